using System.Net;
using System.Text.Json;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class HostTests(ApiFixture api)
{
    [Fact]
    public async Task OpenApi_Document_ListsEveryEndpointAndTheKeyScheme()
    {
        var json = await api.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var doc = JsonDocument.Parse(json).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var path in new[]
        {
            "/api/transactions", "/api/customers/{id}", "/api/customers", "/api/segments", "/api/insiders", "/api/insiders/changes",
            "/api/insiders/changes/stream", "/api/model", "/api/model/retrain", "/api/insights",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        }

        Assert.Equal("X-Api-Key", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Page_IndexScriptsAndApiBrowser_AreServedWithoutExternalResources()
    {
        foreach (var (url, type) in new[] { ("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css"), ("/api.html", "text/html") })
        {
            using var response = await api.Client.GetAsync(url, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain("http://", body, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownRoute_404ProblemDetails()
    {
        using var response = await api.Client.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ApiFixture.AssertProblemAsync(response, 404);
    }

    [Fact]
    public async Task ReadEndpoints_OpenByDefault()
    {
        using var response = await api.Client.GetAsync("/api/segments", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>A second host with <c>Insiders:Api:RequireReadKey</c> on (its own silo ports and data directory).</summary>
public sealed class ReadKeyTests : IAsyncLifetime
{
    private InsidersHostFactory _factory = null!;

    public ValueTask InitializeAsync()
    {
        _factory = new InsidersHostFactory("api-readkey", new Dictionary<string, string?> { ["Insiders:Api:RequireReadKey"] = "true" });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task ReadEndpoints_RequireReadKey_401WithoutKey_200WithAnyKey()
    {
        using var client = _factory.CreateClient();
        using var anonymous = await client.GetAsync("/api/segments", TestContext.Current.CancellationToken);
        await ApiFixture.AssertProblemAsync(anonymous, 401);

        foreach (var key in new[] { InsidersHostFactory.ReadKey, InsidersHostFactory.IngestKey, InsidersHostFactory.AdminKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/segments");
            request.Headers.Add("X-Api-Key", key);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The page and the OpenAPI document stay readable (they hold no data).
        using var page = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
