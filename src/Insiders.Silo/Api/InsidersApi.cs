using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Insiders.Features;
using Insiders.Infrastructure;
using Insiders.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Insiders.Silo.Api;

/// <summary>
/// <c>GET /api/insiders</c> (paged JSON or CSV), <c>GET /api/insiders/changes</c> (durable cursor pages) and
/// <c>GET /api/insiders/changes/stream</c> (Server-Sent Events).
/// </summary>
internal static class InsidersApi
{
    private const int MaxChangesPage = 1_000;

    public static RouteGroupBuilder MapInsidersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/insiders", ListAsync)
            .WithName("ListInsiders")
            .WithTags("Insiders")
            .WithSummary("The current Insiders by gross revenue: paged JSON, or the whole list as CSV (?format=csv or Accept: text/csv)")
            .Produces<CustomerPageDto>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        api.MapGet("/insiders/changes", ChangesAsync)
            .WithName("ListInsiderChanges")
            .WithTags("Insiders")
            .WithSummary("Entries and exits after a cursor, in recording order (durable; pass 'next' as 'after' to continue)");
        api.MapGet("/insiders/changes/stream", StreamAsync)
            .WithName("StreamInsiderChanges")
            .WithTags("Insiders")
            .WithSummary("Server-Sent Events: 'entered'/'left' events with the durable cursor as id. Resumes after Last-Event-ID (or ?after=); otherwise starts now.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return api;
    }

    private static async Task<IResult> ListAsync(
        HttpRequest request, CustomerDirectory directory, CancellationToken cancellationToken,
        string? search = null, int page = 1, int pageSize = 50, string? format = null)
    {
        var snapshot = await directory.GetAsync(cancellationToken);
        var insiders = snapshot.Rows.Where(r => r.IsInsider);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            || (format is null && request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase));
        if (!csv)
        {
            return TypedResults.Ok(CustomersApi.Page(snapshot, insiders, search, page, pageSize));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            insiders = insiders.Where(r => r.Features.CustomerId.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase));
        }

        // The CLI's feature export format, Insiders only.
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        FeatureCsv.Write(writer, insiders.Select(r => (r.Features, r.SegmentId, r.IsInsider)));
        var name = $"insiders-v{snapshot.ModelVersion}-{snapshot.AsOf:yyyy-MM-dd}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(writer.ToString()), "text/csv; charset=utf-8", name);
    }

    private static async Task<Results<Ok<ChangePageDto>, ProblemHttpResult>> ChangesAsync(
        IInsiderTransitionStore store, CancellationToken cancellationToken, long after = 0, int limit = 100)
    {
        if (after < 0 || limit is < 1 or > MaxChangesPage)
        {
            return TypedResults.Problem($"'after' must be >= 0 and 'limit' in 1..{MaxChangesPage}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid paging");
        }

        var page = await store.ReadAsync(after, limit + 1, cancellationToken);
        var items = page.Take(limit).Select(p => Change(p.Cursor, p.Transition)).ToList();
        return TypedResults.Ok(new ChangePageDto(after, items.Count > 0 ? items[^1].Cursor : after, page.Count > limit, items));
    }

    private static ChangeDto Change(long cursor, Customers.InsiderTransition t) =>
        new(cursor, t.CustomerId, t.Sequence, t.At, t.ModelVersion, t.FromSegment, t.ToSegment, t.Entered);

    /// <summary>
    /// The stream is driven by the durable record, with the live <see cref="InsiderFeed"/> as its wake-up call: every
    /// event id is a durable cursor, so a client resuming with Last-Event-ID gets exactly what it missed, in order,
    /// without duplicates. Sweep changes are recorded as they happen; ingestion changes at the next checkpoint.
    /// </summary>
    private static async Task StreamAsync(
        HttpContext context, IInsiderTransitionStore store, InsiderFeed feed, TransitionTail tail, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long? after = null)
    {
        var cancellationToken = context.RequestAborted;
        var resume = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var lastId) ? lastId : after;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(feed, wake.Writer, stop.Token);
        try
        {
            var cursor = resume ?? await tail.EndAsync(cancellationToken);
            await response.WriteAsync($"retry: 3000\n: insiders changes after cursor {cursor}\n\n", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            var lastWrite = TimeProvider.System.GetTimestamp();
            var options = json.Value.SerializerOptions;
            while (!cancellationToken.IsCancellationRequested)
            {
                var page = await store.ReadAsync(cursor, 500, cancellationToken);
                if (page.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var (c, t) in page)
                    {
                        text.Append("id: ").Append(c.ToString(CultureInfo.InvariantCulture)).Append('\n')
                            .Append("event: ").Append(t.Entered ? "entered" : "left").Append('\n')
                            .Append("data: ").Append(JsonSerializer.Serialize(Change(c, t), options)).Append("\n\n");
                        cursor = c;
                    }

                    await response.WriteAsync(text.ToString(), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = TimeProvider.System.GetTimestamp();
                    if (page.Count == 500)
                    {
                        continue;
                    }
                }
                else if (TimeProvider.System.GetElapsedTime(lastWrite) > TimeSpan.FromSeconds(15))
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = TimeProvider.System.GetTimestamp();
                }

                // Wait for a live transition (then give the grain a moment to record it) or poll once a second.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    if (await wake.Reader.WaitToReadAsync(wait.Token))
                    {
                        wake.Reader.TryRead(out _);
                        await Task.Delay(50, cancellationToken);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    private static async Task PumpAsync(InsiderFeed feed, ChannelWriter<bool> wake, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in feed.Subscribe(cancellationToken))
            {
                wake.TryWrite(true);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
