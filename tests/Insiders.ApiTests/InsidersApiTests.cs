using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Insiders.Features;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class InsidersApiTests(ApiFixture api)
{
    [Fact]
    public async Task ListInsiders_JsonPagesAndCsv_AreTheSameList()
    {
        var first = await api.GetAsync<CustomerPageDto>("/api/insiders?page=1&pageSize=10");
        Assert.True(first.Total > 10);
        Assert.All(first.Items, c => Assert.True(c.IsInsider));
        Assert.Equal(first.Items.OrderByDescending(c => c.GrossRevenue).Select(c => c.CustomerId), first.Items.Select(c => c.CustomerId));
        var second = await api.GetAsync<CustomerPageDto>("/api/insiders?page=2&pageSize=10");
        Assert.Empty(first.Items.Select(c => c.CustomerId).Intersect(second.Items.Select(c => c.CustomerId)));

        var csv = await api.Client.GetStringAsync("/api/insiders?format=csv", TestContext.Current.CancellationToken);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(FeatureCsv.Header, lines[0]);
        var all = await api.GetAsync<CustomerPageDto>("/api/insiders?pageSize=1000");
        Assert.Equal(all.Total, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",true", l, StringComparison.Ordinal));
        Assert.Equal(all.Items.Select(c => c.CustomerId).Order(StringComparer.Ordinal), lines.Skip(1).Select(l => l.Split(',')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListInsiders_AcceptTextCsv_DownloadsCsv()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/insiders");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await api.Client.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.StartsWith(FeatureCsv.Header, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListInsiders_Search_FiltersById()
    {
        var top = (await api.GetAsync<CustomerPageDto>("/api/insiders?pageSize=1")).Items.Single();
        var found = await api.GetAsync<CustomerPageDto>($"/api/insiders?search={top.CustomerId}");
        Assert.Contains(found.Items, c => c.CustomerId == top.CustomerId);
        var none = await api.GetAsync<CustomerPageDto>("/api/insiders?search=no-such-customer");
        Assert.Equal(0, none.Total);
    }

    [Fact]
    public async Task GetChanges_CursorPages_CoverTheFirstRetrainsEntries()
    {
        var seen = new List<ChangeDto>();
        long after = 0;
        while (true)
        {
            var page = await api.GetAsync<ChangePageDto>($"/api/insiders/changes?after={after}&limit=50");
            Assert.Equal(after, page.After);
            Assert.All(page.Items, c => Assert.True(c.Cursor > after));
            seen.AddRange(page.Items);
            after = page.Next;
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(seen.Select(c => c.Cursor).Order(), seen.Select(c => c.Cursor));
        Assert.Equal(seen.Count, seen.Select(c => (c.CustomerId, c.Sequence)).Distinct().Count());
        Assert.True(seen.Count(c => c.Entered && c.ModelVersion == 1) >= api.FirstRetrain.Entered);
    }

    [Fact]
    public async Task GetChanges_BadPaging_400ProblemDetails()
    {
        using var response = await api.Client.GetAsync("/api/insiders/changes?limit=0", TestContext.Current.CancellationToken);
        await ApiFixture.AssertProblemAsync(response, 400);
    }

    [Fact]
    public async Task StreamChanges_NewBigSpender_EnteredEventArrives_AfterRetrain()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        using var response = await api.Client.GetAsync("/api/insiders/changes/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.StartsWith("retry:", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal); // the stream is open at "now"

        // A customer buying like the best ones: many invoices across the seed period, large baskets, recent.
        var customer = ApiFixture.NewCustomerId();
        var rows = Enumerable.Range(0, 24).Select(i =>
            $"7{customer[^5..]}{i:00},85123A,BIG,400,{new DateTime(2010, 12, 1, 10, 0, 0).AddDays(i * 2.5):yyyy-MM-dd HH:mm:ss},9.95,{customer},United Kingdom").ToArray();
        using (var post = await api.PostCsvAsync(ApiFixture.Csv(rows), InsidersHostFactory.IngestKey))
        {
            post.EnsureSuccessStatusCode();
        }

        using (var retrain = await api.PostAsync("/api/model/retrain", null, InsidersHostFactory.AdminKey))
        {
            retrain.EnsureSuccessStatusCode();
        }

        var events = await ReadEventsUntilAsync(reader, e => e.Event == "entered" && e.Data.GetProperty("customerId").GetString() == customer, timeout.Token);
        var entry = events[^1];
        Assert.True(long.Parse(entry.Id, CultureInfo.InvariantCulture) > 0);
        Assert.Equal(entry.Id, entry.Data.GetProperty("cursor").GetInt64().ToString(CultureInfo.InvariantCulture));
        Assert.True(entry.Data.GetProperty("entered").GetBoolean());
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{customer}");
        Assert.True(status.IsInsider);
    }

    [Fact]
    public async Task StreamChanges_LastEventId_ReplaysFromTheDurableRecord()
    {
        var page = await api.GetAsync<ChangePageDto>("/api/insiders/changes?after=0&limit=5");
        Assert.Equal(5, page.Items.Count);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/insiders/changes/stream");
        request.Headers.Add("Last-Event-ID", page.Items[1].Cursor.ToString(CultureInfo.InvariantCulture));
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var events = await ReadEventsUntilAsync(reader, e => e.Id == page.Items[4].Cursor.ToString(CultureInfo.InvariantCulture), timeout.Token);
        Assert.Equal(page.Items.Skip(2).Select(c => c.Cursor.ToString(CultureInfo.InvariantCulture)), events.Select(e => e.Id));
        Assert.Equal(page.Items.Skip(2).Select(c => c.Entered ? "entered" : "left"), events.Select(e => e.Event));
        Assert.Equal(page.Items.Skip(2).Select(c => c.CustomerId), events.Select(e => e.Data.GetProperty("customerId").GetString()));
    }

    internal sealed record SseEvent(string Id, string Event, JsonElement Data);

    internal static async Task<List<SseEvent>> ReadEventsUntilAsync(StreamReader reader, Func<SseEvent, bool> stop, CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        string? id = null, name = null, data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    var e = new SseEvent(id ?? string.Empty, name ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                    events.Add(e);
                    if (stop(e))
                    {
                        return events;
                    }
                }

                (id, name, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        throw new InvalidOperationException($"The stream ended after {events.Count} events without the expected one.");
    }
}
