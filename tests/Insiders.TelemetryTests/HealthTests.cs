using System.Net;
using System.Text.Json;

namespace Insiders.Tests;

/// <summary>
/// Liveness and readiness on a host of its own, whose database is taken away and given back. Runs after the parallel
/// collections, so that its host does not start while the shared hosts are retraining on the two cores.
/// </summary>
[Collection(HealthCollection.Name)]
public sealed class HealthTests : IAsyncLifetime
{
    private InsidersHostFactory _factory = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _factory = new InsidersHostFactory("health");
        _client = _factory.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Ready_FailsWhileTheDatabaseIsUnreachable_LiveStays200()
    {
        // Ready once the silo is active and ingestion has recovered (a moment after start).
        var ready = await WaitForReadyAsync();
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        var (liveStatus, _) = await GetHealthAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, liveStatus);

        // The database file disappears (its directory moved away): not ready, still alive.
        var moved = _factory.DataDirectory + ".away";
        Directory.Move(_factory.DataDirectory, moved);
        try
        {
            var (status, body) = await GetHealthAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
            (liveStatus, _) = await GetHealthAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, liveStatus);
        }
        finally
        {
            Directory.Move(moved, _factory.DataDirectory);
        }

        var (back, _) = await GetHealthAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, back);
    }

    private async Task<JsonElement> WaitForReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (status, body) = await GetHealthAsync("/health/ready");
            if (status == HttpStatusCode.OK)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not ready within 60 s: {body}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(string path)
    {
        using var response = await _client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
        return (response.StatusCode, body);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HealthCollection
{
    public const string Name = "health";
}
