using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Insiders.Silo.Api.Contracts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Insiders.Tests;

/// <summary>
/// The page in real headless Chromium (Debian's <c>chromium</c> package, driven by Microsoft.Playwright with
/// <c>ExecutablePath</c>; Playwright's own browser download is never used) against the real host on Kestrel, fed with
/// the shared file over HTTP: December–April, a first model, then May; then the page retrains and shows the entries.
/// </summary>
public sealed class PageBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private InsidersHostFactory _factory = null!;
    private string _baseUrl = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _factory = new InsidersHostFactory("api-browser");
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        _baseUrl = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl), Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Add("X-Api-Key", InsidersHostFactory.IngestKey);
        await PostGzipAsync(http, SharedSlice.Csv("2010-12-01", "2011-05-01"));
        using (var retrain = new HttpRequestMessage(HttpMethod.Post, "api/model/retrain"))
        {
            retrain.Headers.Add("X-Api-Key", InsidersHostFactory.AdminKey);
            using var response = await http.SendAsync(retrain);
            response.EnsureSuccessStatusCode();
        }

        await PostGzipAsync(http, SharedSlice.Csv("2011-05-01", "2011-07-01"));
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static async Task PostGzipAsync(HttpClient http, string csv)
    {
        using var buffer = new MemoryStream();
        await using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gz.WriteAsync(Encoding.UTF8.GetBytes(csv));
        }

        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new("text/csv");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await http.PostAsync("api/transactions", content);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json))!;
        Assert.True(result.Accepted > 10_000, $"accepted {result.Accepted}");
    }

    [Fact]
    public async Task Page_SegmentsAndInsiders_RetrainShowsEntryInLiveFeed()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 2000 } });
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(_baseUrl);

        // The segment table of model v1 and the Insiders list.
        await page.WaitForSelectorAsync("#segments-table tbody tr.insider");
        var model = await new HttpClient { BaseAddress = new Uri(_baseUrl) }.GetFromJsonAsync<ModelCardDto>("api/model", ApiFixture.Json, TestContext.Current.CancellationToken);
        Assert.Equal(model!.K, await page.Locator("#segments-table tbody tr").CountAsync());
        await page.WaitForSelectorAsync("#insiders-table tbody tr td a");
        Assert.Equal(25, await page.Locator("#insiders-table tbody tr").CountAsync());
        Assert.Equal("1", await page.Locator("#model-version").TextContentAsync());

        // Search narrows the list to the searched customer.
        var first = (await page.Locator("#insiders-table tbody tr td a").First.TextContentAsync())!;
        await page.FillAsync("#search", first);
        await page.WaitForFunctionAsync("id => [...document.querySelectorAll('#insiders-table tbody tr td a')].every(a => a.textContent.includes(id))", first);
        await page.FillAsync("#search", string.Empty);

        // Retrain from the page: it asks for the admin key; entries arrive on the live feed (EventSource).
        await page.WaitForSelectorAsync("#feed-state.on");
        await page.ClickAsync("#retrain");
        await page.FillAsync("#admin-key", InsidersHostFactory.AdminKey);
        await page.ClickAsync("#key-ok");
        await page.WaitForSelectorAsync("#feed li.entered", new PageWaitForSelectorOptions { Timeout = 90_000 });
        await page.WaitForFunctionAsync("() => document.querySelector('#model-version')?.textContent === '2'");
        Assert.Equal(InsidersHostFactory.AdminKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('insidersAdminKey')"));

        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        var file = Path.Combine(shots, "insiders-page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        Assert.True(new FileInfo(file).Length > 10_000);
        TestContext.Current.SendDiagnosticMessage($"screenshot: {file}");
    }
}
