using System.Text;

namespace Insiders.Tests.Fuzzing;

/// <summary>
/// Duplicate, concurrent and out-of-order delivery over HTTP. A line's identity is its source — <c>http-key:{key}</c>
/// with an Idempotency-Key, else <c>http-sha256:{body hash}</c> — plus its line number (item i of a JSON array is line
/// i + 2). A <em>duplicate delivery</em> is a post whose source was posted before: the same key (as CSV or as the
/// equivalent JSON), or the same bytes without a key. The same lines under another key, or in another body, are a new
/// delivery: they are real purchases and count again.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class DeliveryTests(FuzzFixture host)
{
    private const int Clients = 8;

    private sealed record Delivery(string Name, string? Key, string Csv, string Json, IReadOnlyList<LineCase> Lines)
    {
        public string Source => Key ?? "sha256:" + Csv;

        public int Good => Lines.Count(l => l.IsGood);
    }

    [Fact]
    public async Task Post_EightClientsDeliveringOverlappingBatchesConcurrently_EachDistinctDeliveryCountsOnce()
    {
        var seed = FuzzSeed.Announce(nameof(Post_EightClientsDeliveringOverlappingBatchesConcurrently_EachDistinctDeliveryCountsOnce));
        var customers = Enumerable.Range(0, 10).Select(i => $"cc{i}").ToArray();
        var generator = new MalformedInputGenerator(seed + 1, customers);
        var random = generator.Random;
        Delivery Make(string name, string? key, IReadOnlyList<LineCase> lines) => new(name, key, Csv(lines), generator.Json(lines), lines);
        List<LineCase> Batch() => [.. Enumerable.Range(0, random.Next(5, 30)).Select(_ => OneLine(random.Next(4) == 0 ? generator.BadValue() : generator.Good()))];

        var keyed = Enumerable.Range(0, 6).Select(i => Make($"keyed-{i}", $"cc-{seed}-part-{i}", Batch())).ToList();
        var keyless = Enumerable.Range(0, 2).Select(i => Make($"keyless-{i}", null, Batch())).ToList();
        var deliveries = keyed.Concat(keyless).ToList();
        deliveries.Add(Make("keyed-0 lines under another key", $"cc-{seed}-resend", keyed[0].Lines));
        deliveries.Add(Make("keyless-0 body under a key", $"cc-{seed}-keyed-copy", keyless[0].Lines));

        // Each delivery is posted by 2-4 of the clients (keyed ones as CSV or as JSON), each client in its own order.
        var posts = Enumerable.Range(0, Clients).Select(_ => new List<(Delivery Delivery, bool Json)>()).ToArray();
        foreach (var delivery in deliveries)
        {
            foreach (var client in Enumerable.Range(0, Clients).OrderBy(_ => random.Next()).Take(random.Next(2, 5)))
            {
                posts[client].Add((delivery, delivery.Key is not null && random.Next(2) == 0));
            }
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = posts.Select(async (list, c) =>
        {
            using var client = host.Factory.CreateClient();
            await start.Task;
            var answers = new List<(Delivery Delivery, Silo.Api.Contracts.IngestResponse Answer)>();
            foreach (var (delivery, json) in list.OrderBy(_ => Guid.NewGuid()))
            {
                var body = Encoding.UTF8.GetBytes(json ? delivery.Json : delivery.Csv);
                using var response = await FuzzFixture.PostBytesAsync(client, body, json ? "application/json" : "text/csv", delivery.Key);
                answers.Add((delivery, await FuzzFixture.ReadIngestAsync(response, $"seed {seed} client {c} {delivery.Name}")));
            }

            return answers;
        }).ToList();
        start.SetResult();
        var results = await Task.WhenAll(running);

        var answers = results.SelectMany(r => r).ToList();
        Assert.Equal(posts.Sum(p => p.Count), answers.Count);
        foreach (var (delivery, answer) in answers)
        {
            Assert.Equal(delivery.Lines.Count, answer.Lines);
            Assert.Equal(delivery.Good, answer.Accepted + answer.Duplicates);
            Assert.Equal(delivery.Lines.Count - delivery.Good, answer.Rejected);
        }

        // Every distinct delivery was accepted exactly once in total, whichever client got there first.
        foreach (var group in answers.GroupBy(a => a.Delivery.Source))
        {
            Assert.True(group.First().Delivery.Good == group.Sum(a => a.Answer.Accepted), $"{group.First().Delivery.Name}: accepted {string.Join('+', group.Select(a => a.Answer.Accepted))}");
        }

        var distinct = deliveries.DistinctBy(d => d.Source).ToList();
        Assert.Equal(deliveries.Count, distinct.Count);
        Assert.Equal(distinct.Sum(d => d.Good), answers.Sum(a => a.Answer.Accepted));
        await FuzzFixture.AssertFeaturesEqualBatchAsync(host.Client, distinct.SelectMany(d => d.Lines.Where(l => l.IsGood).Select(l => l.Good!)));
    }

    [Fact]
    public async Task Post_SameLinesShuffledIntoRandomBatches_SameFeaturesAsInOrder_RepostsAllDuplicates()
    {
        var seed = FuzzSeed.Announce(nameof(Post_SameLinesShuffledIntoRandomBatches_SameFeaturesAsInOrder_RepostsAllDuplicates));
        var generator = new MalformedInputGenerator(seed + 2, [.. Enumerable.Range(0, 8).Select(i => $"oo{i}")]);
        var random = generator.Random;
        var lines = Enumerable.Range(0, 400).Select(_ => OneLine(generator.Good())).ToList();

        // In order (by date), in one post, for customers "in-…"; shuffled into random batches for the same ids "sh-…".
        var inOrder = lines.OrderBy(l => l.Good!.Date).Select(l => Renamed(l, "in-")).ToList();
        using (var response = await FuzzFixture.PostBytesAsync(host.Client, Encoding.UTF8.GetBytes(Csv(inOrder)), "text/csv", $"oo-{seed}-in-order"))
        {
            Assert.Equal(lines.Count, (await FuzzFixture.ReadIngestAsync(response, "in order")).Accepted);
        }

        var shuffled = lines.OrderBy(_ => random.Next()).Select(l => Renamed(l, "sh-")).ToList();
        var batches = new List<(string Key, List<LineCase> Lines)>();
        for (var at = 0; at < shuffled.Count;)
        {
            var size = Math.Min(random.Next(1, 40), shuffled.Count - at);
            batches.Add(($"oo-{seed}-batch-{batches.Count}", shuffled.GetRange(at, size)));
            at += size;
        }

        async Task<int[]> PostAllAsync(IEnumerable<(string Key, List<LineCase> Lines)> order, Func<Silo.Api.Contracts.IngestResponse, int> count)
        {
            var queue = new Queue<(string Key, List<LineCase> Lines)>(order);
            var counts = new List<int>();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                using var client = host.Factory.CreateClient();
                while (true)
                {
                    (string Key, List<LineCase> Lines) batch;
                    lock (queue)
                    {
                        if (!queue.TryDequeue(out batch))
                        {
                            return;
                        }
                    }

                    using var response = await FuzzFixture.PostBytesAsync(client, Encoding.UTF8.GetBytes(Csv(batch.Lines)), "text/csv", batch.Key);
                    var answer = await FuzzFixture.ReadIngestAsync(response, batch.Key);
                    Assert.Equal(batch.Lines.Count, answer.Accepted + answer.Duplicates);
                    lock (counts)
                    {
                        counts.Add(count(answer));
                    }
                }
            }));
            return [.. counts];
        }

        Assert.Equal(lines.Count, (await PostAllAsync(batches, a => a.Accepted)).Sum());
        Assert.Equal(lines.Count, (await PostAllAsync(batches.OrderBy(_ => random.Next()), a => a.Duplicates)).Sum());

        await FuzzFixture.AssertFeaturesEqualBatchAsync(host.Client, inOrder.Select(l => l.Good!));
        await FuzzFixture.AssertFeaturesEqualBatchAsync(host.Client, shuffled.Select(l => l.Good!));
    }

    // One physical line per row, so CSV line i + 2 and JSON item i are the same line identity.
    private static LineCase OneLine(LineCase line) =>
        line.Values[2] is { } d && d.Contains('\n', StringComparison.Ordinal) ? line with { Values = [.. line.Values.Select((v, i) => i == 2 ? "ONE LINE" : v)] } : line;

    private static LineCase Renamed(LineCase line, string prefix) => line with
    {
        Values = [.. line.Values.Select((v, i) => i == 6 ? prefix + line.Good!.Customer : v)],
        Good = line.Good! with { Customer = prefix + line.Good.Customer },
    };

    private static string Csv(IReadOnlyList<LineCase> lines) =>
        string.Join(',', LineCase.Columns) + "\n" + string.Concat(lines.Select(l => string.Join(',', l.Values.Select(v => MalformedInputGenerator.CsvField(v ?? string.Empty))) + "\n"));
}
