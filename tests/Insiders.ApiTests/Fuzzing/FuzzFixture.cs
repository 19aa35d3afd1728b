using System.Net.Http.Json;
using Insiders.Features;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests.Fuzzing;

/// <summary>
/// A host of its own for the generated-input and delivery tests (huge and hostile values must not disturb the shared
/// API fixture's model): no seed data, a 256 KiB body limit (so oversize bodies are cheap), and a small K range so a
/// retrain works on the few hundred customers these tests create.
/// </summary>
public sealed class FuzzFixture : IAsyncLifetime
{
    public const long MaxBodyBytes = 256 * 1024;

    public InsidersHostFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Factory = new InsidersHostFactory("fuzz", SmallHost(MaxBodyBytes));
        Client = Factory.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    /// <summary>Settings of a host for a few hundred customers.</summary>
    public static Dictionary<string, string?> SmallHost(long maxBodyBytes) => new(StringComparer.Ordinal)
    {
        ["Insiders:Api:MaxTransactionBodyBytes"] = maxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Insiders:Segmentation:MinClusters"] = "8",
        ["Insiders:Segmentation:MaxClusters"] = "12",
        ["Insiders:Segmentation:ClusterStep"] = "4",
        ["Insiders:Segmentation:Restarts"] = "1",
    };

    /// <summary>Posts raw bytes with exactly these headers (any Content-Type, even an invalid one).</summary>
    public static async Task<HttpResponseMessage> PostBytesAsync(
        HttpClient client, byte[] body, string? contentType, string? idempotencyKey, string? contentEncoding = null, string key = InsidersHostFactory.IngestKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/transactions") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = null;
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        request.Headers.Add("X-Api-Key", key);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<IngestResponse> ReadIngestAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {text}");
        return System.Text.Json.JsonSerializer.Deserialize<IngestResponse>(text, ApiFixture.Json)!;
    }

    /// <summary>
    /// Every customer's features through <c>GET /api/customers/{id}</c> equal the independent batch recompute of exactly
    /// <paramref name="rows"/> at the clock date the service reports; a customer with lines but no purchase has none.
    /// </summary>
    internal static async Task AssertFeaturesEqualBatchAsync(HttpClient client, IEnumerable<BatchRecompute.Row> rows)
    {
        var byCustomer = rows.GroupBy(r => r.Customer, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(byCustomer);
        foreach (var group in byCustomer)
        {
            using var response = await client.GetAsync($"/api/customers/{Uri.EscapeDataString(group.Key)}", TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"GET customer {group.Key}: {(int)response.StatusCode}");
            var status = (await response.Content.ReadFromJsonAsync<CustomerDto>(ApiFixture.Json, TestContext.Current.CancellationToken))!;
            Assert.Equal(group.Key, status.CustomerId);
            Assert.Equal(group.Count(), status.Lines);
            var expected = BatchRecompute.Compute(group, status.AsOf.ToDateTime(TimeOnly.MinValue));
            if (!expected.TryGetValue(group.Key, out var e))
            {
                Assert.Null(status.Features);
                continue;
            }

            AssertEqual(e, status.Features);
        }
    }

    internal static void AssertEqual(BatchRecompute.Features e, CustomerFeatures? f)
    {
        Assert.NotNull(f);
        var because = $"customer {e.CustomerId}";
        Assert.True(e.Gross == f.GrossRevenue, $"{because}: gross {e.Gross} vs {f.GrossRevenue}");
        Assert.True(e.ReturnsValue == f.ReturnsValue, $"{because}: returns value {e.ReturnsValue} vs {f.ReturnsValue}");
        Assert.Equal(e.Net, f.NetRevenue);
        Assert.Equal((e.Invoices, e.Items, e.Products, e.Returns, e.Recency), (f.QtyInvoices, f.QtyItems, f.QtyProducts, f.QtyReturns, f.RecencyDays));
        Close(e.AvgTicket, f.AvgTicket, because + " avg_ticket");
        Close(e.AvgBasket, f.AvgBasketSize, because + " avg_basket_size");
        Assert.Equal(e.AvgRecency.HasValue, f.AvgRecencyDays.HasValue);
        Close(e.AvgRecency ?? 0, f.AvgRecencyDays ?? 0, because + " avg_recency_days");
        Close(e.Frequency, f.Frequency, because + " frequency");
        Close(e.ReturnRate, f.ReturnRate, because + " return_rate");
    }

    private static void Close(double expected, double actual, string because) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{because}: expected {expected:R}, got {actual:R}");
}

[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzFixture>
{
    public const string Name = "fuzz";
}
