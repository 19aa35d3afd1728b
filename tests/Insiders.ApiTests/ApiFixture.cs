using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

/// <summary>
/// One host for the API tests (a collection fixture: starting a silo costs seconds on 2 cores), seeded with the first
/// two months of the shared file and retrained once, so a model exists. Tests that add lines use their own customer ids.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string SeedFrom = "2010-12-01";
    public const string SeedTo = "2011-02-01";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public InsidersHostFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string SeedCsv { get; private set; } = string.Empty;

    public IngestResponse Seed { get; private set; } = null!;

    public RetrainDto FirstRetrain { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Factory = new InsidersHostFactory("api");
        Client = Factory.CreateClient();
        SeedCsv = SharedSlice.Csv(SeedFrom, SeedTo);
        using var response = await PostCsvAsync(SeedCsv, InsidersHostFactory.IngestKey);
        response.EnsureSuccessStatusCode();
        Seed = (await response.Content.ReadFromJsonAsync<IngestResponse>(Json))!;
        using var retrain = await PostAsync("/api/model/retrain", null, InsidersHostFactory.AdminKey);
        retrain.EnsureSuccessStatusCode();
        FirstRetrain = (await retrain.Content.ReadFromJsonAsync<RetrainDto>(Json))!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostCsvAsync(string csv, string? key, string? idempotencyKey = null) =>
        PostAsync("/api/transactions", new StringContent(csv, Encoding.UTF8, "text/csv"), key, idempotencyKey);

    public Task<HttpResponseMessage> PostJsonAsync(string json, string? key, string? idempotencyKey = null) =>
        PostAsync("/api/transactions", new StringContent(json, Encoding.UTF8, "application/json"), key, idempotencyKey);

    public async Task<HttpResponseMessage> PostAsync(string url, HttpContent? content, string? key, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<T> GetAsync<T>(string url)
    {
        using var response = await Client.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(body.Contains("   at ", StringComparison.Ordinal), "no stack trace in answers");
        return problem;
    }

    /// <summary>A CSV post of <paramref name="rows"/> (already formatted data lines) with the Online Retail header.</summary>
    public static string Csv(params string[] rows) => SharedSlice.Header + "\n" + string.Join("\n", rows) + "\n";

    /// <summary>A unique customer id for one test (digits only, like the shared file's).</summary>
    public static string NewCustomerId() => "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
