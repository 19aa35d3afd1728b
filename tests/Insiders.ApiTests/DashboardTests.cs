using System.Net;

namespace Insiders.Tests;

/// <summary>The dashboard behind the admin key, on the shared API host.</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardTests(ApiFixture api)
{
    [Fact]
    public async Task Dashboard_401WithoutKey_403WithANonAdminKey_200WithTheAdminKey()
    {
        using var anonymous = await GetAsync("/dashboard/", key: null);
        await ApiFixture.AssertProblemAsync(anonymous, 401);
        foreach (var key in new[] { InsidersHostFactory.ReadKey, InsidersHostFactory.IngestKey })
        {
            using var forbidden = await GetAsync("/dashboard/", key);
            await ApiFixture.AssertProblemAsync(forbidden, 403);
        }

        using var page = await GetAsync("/dashboard/", InsidersHostFactory.AdminKey);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Orleans Dashboard", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetAsync(string url, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await api.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
