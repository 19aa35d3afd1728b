using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using Insiders.Features;
using Insiders.Tests;

namespace Insiders.PostgresTests;

/// <summary>
/// What the fault tests share: silo processes with an API key, the shared file cut into posts, a client that posts
/// each part until a silo acknowledges it, and the checks against the independent batch recompute.
/// </summary>
internal static class FaultHarness
{
    /// <summary>A key with every role, made up per run (keys never live in the repository).</summary>
    public static readonly string ApiKey = "fault-" + Guid.NewGuid().ToString("N");

    private static readonly Lazy<FileParts> s_sixMonths = new(() => FileParts.Read(TestData.SixMonths, 5_000));
    private static readonly Lazy<Expected> s_expected = new(() => Expected.Compute(TestData.SixMonths));

    /// <summary>The shared six-month file in parts of 5,000 lines (each a CSV body with the header).</summary>
    public static FileParts SixMonths => s_sixMonths.Value;

    /// <summary>The batch recompute of the whole shared file: what every customer must hold once everything is acknowledged.</summary>
    public static Expected SixMonthsExpected => s_expected.Value;

    /// <summary>The batch recompute of the first <paramref name="count"/> posts of the shared file (written to a temporary file and read back by the independent reader).</summary>
    public static Expected ExpectedForFirst(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), $"insiders-faults-{Guid.NewGuid():N}.csv.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            using (var writer = new StreamWriter(gz, new UTF8Encoding(false)))
            {
                for (var i = 0; i < count; i++)
                {
                    var body = SixMonths.Bodies[i];
                    writer.Write(i == 0 ? body : body[(body.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
                }
            }

            return Expected.Compute(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The seed of a fault schedule: INSIDERS_FAULT_SEED when set (to replay a failing run), otherwise a fresh one.
    /// Printed to the test output either way.
    /// </summary>
    public static int Seed(string test)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("INSIDERS_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next(1, 1_000_000);
        Log($"{test}: fault seed {seed} (INSIDERS_FAULT_SEED={seed} replays this schedule)");
        return seed;
    }

    public static void Log(string message) => TestContext.Current.TestOutputHelper?.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {message}");

    /// <summary>Process settings of a silo in the fault tests: API key, retraining schedule, a small K range (fast fits).</summary>
    public static Dictionary<string, string> SiloSettings(TimeSpan retrainPeriod) => new()
    {
        ["Insiders__Api__Keys__faults__Key"] = ApiKey,
        ["Insiders__Api__Keys__faults__Roles__0"] = "ingest",
        ["Insiders__Api__Keys__faults__Roles__1"] = "admin",
        ["Insiders__RetrainPeriod"] = retrainPeriod.ToString("c", CultureInfo.InvariantCulture),
        ["Insiders__Segmentation__MinClusters"] = "8",
        ["Insiders__Segmentation__MaxClusters"] = "16",
        ["Insiders__Segmentation__ClusterStep"] = "8",
        // The coordinator's retrain progress lines (the crash test waits for them).
        ["Logging__LogLevel__Insiders.Segmentation.SegmentationCoordinatorGrain"] = "Information",
    };

    public static HttpClient NewHttpClient() => new() { Timeout = TimeSpan.FromSeconds(120) };

    /// <summary>Waits until the silo answers HTTP (GET /api/model: 200 or 404 before the first model).</summary>
    public static async Task WaitForHttpAsync(HttpClient http, SiloProcess silo, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Assert.False(silo.HasExited, $"silo process {silo.Id} exited while starting:\n{silo.Tail}");
            try
            {
                using var response = await http.GetAsync(new Uri(silo.BaseAddress, "api/model"), TestContext.Current.CancellationToken);
                if (response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.NotFound)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"silo process {silo.Id} did not answer HTTP within {timeout.TotalSeconds} s:\n{silo.Tail}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until every journaled batch is covered by its writer's checkpoint (dead writers' batches adopted by a survivor) and projected into insiders_transactions.</summary>
    public static async Task WaitForJournalSettledAsync(TestDatabase db, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var pending = await db.ScalarAsync<long>("""
                SELECT count(*) FROM insiders_journal j LEFT JOIN insiders_checkpoints c ON c.writer = j.writer
                WHERE j.seq > coalesce(c.seq, 0) OR NOT j.projected
                """);
            if (pending == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{pending} journaled batches still not checkpointed or projected after {timeout.TotalSeconds} s");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Every customer of the batch recompute, asked through the API (its customer grain): features equal, and exactly
    /// as many lines as the file has for it (a line counted twice or lost shows here even when features could hide it).
    /// </summary>
    public static async Task AssertCustomersEqualBatchAsync(HttpClient http, SiloProcess silo, Expected expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var rows = new List<FeatureExport.Row>();
        foreach (var window in expected.LinesPerCustomer.Keys.Order(StringComparer.Ordinal).Chunk(32))
        {
            var answers = await Task.WhenAll(window.Select(async id =>
                (Id: id, Dto: await http.GetFromJsonAsync<CustomerAnswer>(new Uri(silo.BaseAddress, "api/customers/" + Uri.EscapeDataString(id)), ct))));
            foreach (var (id, dto) in answers)
            {
                Assert.NotNull(dto);
                Assert.True(expected.LinesPerCustomer[id] == dto.Lines, $"customer {id}: {dto.Lines} lines held, {expected.LinesPerCustomer[id]} in the file");
                if (expected.Features.ContainsKey(id))
                {
                    Assert.Equal(expected.AsOf, dto.AsOf);
                    Assert.NotNull(dto.Features);
                    rows.Add(ToRow(dto.Features));
                }
            }
        }

        FeatureExport.AssertEqualsBatch(expected.Features, rows);
    }

    /// <summary>The durable read model (bi_customers, written at shard flushes) holds the batch sums of every customer.</summary>
    public static async Task AssertBiCustomersEqualBatchAsync(TestDatabase db, Expected expected)
    {
        var rows = await db.RowsAsync("SELECT customer_id, gross_revenue, returns_value, qty_invoices, qty_items, qty_products, qty_returns FROM bi_customers");
        var missing = expected.Features.Keys.Except(rows.Select(r => (string)r[0]!), StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && rows.Count == expected.Features.Count,
            $"bi_customers has {rows.Count} rows for {expected.Features.Count} customers; missing {missing.Count}: {string.Join(", ", missing.Take(20))}");
        foreach (var r in rows)
        {
            var e = expected.Features[(string)r[0]!];
            Assert.Equal(e.Gross, (decimal)r[1]!);
            Assert.Equal(e.ReturnsValue, (decimal)r[2]!);
            Assert.Equal(e.Invoices, (int)r[3]!);
            Assert.Equal(e.Items, (long)r[4]!);
            Assert.Equal(e.Products, (int)r[5]!);
            Assert.Equal(e.Returns, (long)r[6]!);
        }
    }

    /// <summary>bi_transactions holds every accepted line exactly once, with the file's money.</summary>
    public static async Task AssertBiTransactionsEqualBatchAsync(TestDatabase db, Expected expected)
    {
        Assert.Equal((long)expected.CleanLines, await db.ScalarAsync<long>("SELECT count(*) FROM bi_transactions"));
        Assert.Equal(expected.PurchaseValue, await db.ScalarAsync<decimal>("SELECT sum(line_value) FROM bi_transactions WHERE NOT is_return"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM (SELECT line_id FROM bi_transactions GROUP BY line_id HAVING count(*) > 1) d"));
    }

    private static FeatureExport.Row ToRow(CustomerFeatures f) => new(
        f.CustomerId, f.GrossRevenue, f.ReturnsValue, f.NetRevenue, f.QtyInvoices, f.QtyItems, f.QtyProducts, f.QtyReturns,
        f.RecencyDays, f.AvgTicket, f.AvgBasketSize, f.AvgRecencyDays, f.Frequency, f.ReturnRate, null, false);

    /// <summary>The part of GET /api/customers/{id} the checks read.</summary>
    internal sealed record CustomerAnswer(string CustomerId, bool IsInsider, int? SegmentId, long ModelVersion, DateOnly AsOf, int Lines, CustomerFeatures? Features);

    /// <summary>The batch recompute of a file.</summary>
    internal sealed record Expected(
        IReadOnlyDictionary<string, BatchRecompute.Features> Features, IReadOnlyDictionary<string, int> LinesPerCustomer, DateOnly AsOf, int CleanLines, decimal PurchaseValue)
    {
        public static Expected Compute(string path)
        {
            var clean = BatchRecompute.ReadClean(path);
            var asOf = clean.Max(r => r.Date);
            return new Expected(
                BatchRecompute.Compute(clean, asOf),
                clean.GroupBy(r => r.Customer, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                DateOnly.FromDateTime(asOf),
                clean.Count,
                clean.Where(r => r.Qty > 0).Sum(r => r.Qty * r.Price));
        }
    }
}

/// <summary>A file cut into CSV posts of at most N lines, each with the header; part i is posted under its own Idempotency-Key.</summary>
internal sealed class FileParts(IReadOnlyList<string> bodies)
{
    public IReadOnlyList<string> Bodies { get; } = bodies;

    public int Count => Bodies.Count;

    public static FileParts Read(string path, int linesPerPart)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        var header = reader.ReadLine()!;
        var bodies = new List<string>();
        var part = new StringBuilder();
        var count = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (count == 0)
            {
                part.Append(header).Append('\n');
            }

            part.Append(line).Append('\n');
            if (++count == linesPerPart)
            {
                bodies.Add(part.ToString());
                part.Clear();
                count = 0;
            }
        }

        if (count > 0)
        {
            bodies.Add(part.ToString());
        }

        return new FileParts(bodies);
    }
}

/// <summary>The acknowledgment of one post (the part of the API's answer the tests count).</summary>
internal sealed record IngestAck(int Accepted, int Duplicates, long Rejected);

/// <summary>
/// The client of the fault tests: posts a part to a live silo and, until one acknowledges it (HTTP 200: journaled and
/// applied), posts it again under the same Idempotency-Key — to another silo when the first is gone. Every failed
/// attempt is kept (status and body, or the transport error) so a test can say what the client saw.
/// <paramref name="sending"/> is told of each attempt (part, silo) just before it is sent.
/// </summary>
internal sealed class AckingClient(HttpClient http, Func<IReadOnlyList<SiloProcess>> silos, string runId, Action<int, SiloProcess>? sending = null)
{
    private readonly List<string> _failures = [];

    /// <summary>Failed attempts: "HTTP 503 application/problem+json: {...}" or "transport: ...".</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    public async Task<IngestAck> PostUntilAcknowledgedAsync(int part, string body, int preferredSilo, TimeSpan timeout)
    {
        var ct = TestContext.Current.CancellationToken;
        var deadline = DateTime.UtcNow + timeout;
        for (var attempt = 0; ; attempt++)
        {
            var all = silos();
            var live = all.Where(s => !s.HasExited).ToArray();
            Assert.True(live.Length > 0, $"part {part}: every silo process has exited:\n{string.Join("\n---\n", all.Select(s => s.Tail))}");
            {
                var target = live[(preferredSilo + attempt) % live.Length];
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseAddress, "api/transactions"))
                    {
                        Content = new StringContent(body, Encoding.UTF8, "text/csv"),
                    };
                    request.Headers.Add("Idempotency-Key", $"{runId}-part-{part}");
                    request.Headers.Add("X-Api-Key", FaultHarness.ApiKey);
                    sending?.Invoke(part, target);
                    using var response = await http.SendAsync(request, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        return (await response.Content.ReadFromJsonAsync<IngestAck>(ct))!;
                    }

                    var text = await response.Content.ReadAsStringAsync(ct);
                    var failure = $"HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}: {text}";
                    Assert.True((int)response.StatusCode >= 500, $"part {part}: a client error is a bug, not a fault to ride out: {failure}");
                    Keep(failure);
                }
                catch (HttpRequestException e)
                {
                    Keep("transport: " + e.Message);
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"part {part} not acknowledged within {timeout.TotalSeconds} s; failures:\n{string.Join('\n', Failures.TakeLast(10))}");
            await Task.Delay(250, ct);
        }
    }

    private void Keep(string failure)
    {
        lock (_failures)
        {
            _failures.Add(failure);
        }
    }
}

/// <summary>
/// Silo processes of one cluster in fixed slots: a killed silo is replaced in its slot by a new process (new address,
/// so a new journal writer; its predecessor's batches are adopted). Every process ever started is disposed at the end.
/// </summary>
internal sealed class SiloSlots(TestDatabase db, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    private readonly List<SiloProcess> _started = [];
    private readonly List<SiloProcess> _slots = [];

    public IReadOnlyList<SiloProcess> Current
    {
        get
        {
            lock (_slots)
            {
                return [.. _slots];
            }
        }
    }

    public async Task StartAsync(HttpClient http, int count)
    {
        for (var i = 0; i < count; i++)
        {
            lock (_slots)
            {
                _slots.Add(Launch());
            }
        }

        await Task.WhenAll(Current.Select(s => FaultHarness.WaitForHttpAsync(http, s, TimeSpan.FromSeconds(120))));
    }

    /// <summary>SIGKILLs the silo in <paramref name="slot"/> and starts its replacement (returned once it answers HTTP).</summary>
    public async Task<SiloProcess> KillAndReplaceAsync(int slot, HttpClient http)
    {
        var victim = Current[slot];
        victim.Kill();
        FaultHarness.Log($"SIGKILLed silo process {victim.Id} (slot {slot}, silo port {victim.SiloPort})");
        var replacement = Launch();
        lock (_slots)
        {
            _slots[slot] = replacement;
        }

        await FaultHarness.WaitForHttpAsync(http, replacement, TimeSpan.FromSeconds(120));
        FaultHarness.Log($"replacement silo process {replacement.Id} answers in slot {slot}");
        return replacement;
    }

    public int SlotOf(SiloProcess silo) => Current.ToList().IndexOf(silo);

    /// <summary>The first line, from any current silo, that matches; null when none did within <paramref name="timeout"/>.</summary>
    public async Task<(SiloProcess Silo, string Line)?> FirstLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var waits = Current.Select(async s => (Silo: s, Line: await s.WaitForLineAsync(match, timeout, cancel.Token))).ToList();
        while (waits.Count > 0)
        {
            var done = await Task.WhenAny(waits);
            waits.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                await cancel.CancelAsync();
                return done.Result;
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _started)
        {
            await silo.DisposeAsync();
        }
    }

    private SiloProcess Launch()
    {
        var silo = SiloProcess.Start(db.ConnectionString, db.ClusterId, db.ServiceId, settings);
        _started.Add(silo);
        return silo;
    }
}
