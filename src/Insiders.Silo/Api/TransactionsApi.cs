using System.Diagnostics;
using Insiders.Ingestion;
using Insiders.Silo.Api.Contracts;
using Insiders.Storage;
using Insiders.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Insiders.Silo.Api;

/// <summary><c>POST /api/transactions</c>: CSV or JSON lines, validated like the CLI, journaled, applied.</summary>
internal static class TransactionsApi
{
    public static IEndpointRouteBuilder MapTransactionsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/transactions", PostAsync)
            .WithName("PostTransactions")
            .WithTags("Transactions")
            .WithSummary("Ingest Online Retail lines (text/csv with header, or a JSON array)")
            .WithDescription(
                "Every line is validated with the CLI's reader and cleaning rules; rejected lines are counted by reason and listed " +
                "with their line number (CSV) or item index (JSON) while the good lines are kept. Line identity is the source " +
                "(Idempotency-Key header, or else the SHA-256 of the body) plus the line number, so re-posting is a no-op (duplicates). " +
                "A key sent again with different lines is refused (422): they would otherwise be taken for duplicates. " +
                "Needs an API key with role 'ingest'. Content-Encoding: gzip is accepted.")
            .Accepts<TransactionLineJson[]>("application/json", "text/csv")
            .Produces<IngestResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiRoles.IngestPolicy);
        return routes;
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostAsync(
        HttpRequest request, IngestionPipeline pipeline, IIdempotencyKeys keys, CustomerDirectory directory, InsidersMetrics metrics, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var arrivedAt = Stopwatch.GetTimestamp(); // the lines' arrival, for the event-to-flag latency
        var (posted, failure) = await TransactionPost.ReadAsync(request, options.Value, cancellationToken);
        if (failure is not null)
        {
            return TypedResults.Problem(failure.Detail, statusCode: failure.Status, title: failure.Title);
        }

        var p = posted!;
        IngestResult result;
        try
        {
            if (p.IdempotencyKey is { } key && p.Fingerprint() is var fingerprint && await keys.ClaimAsync(key, fingerprint, cancellationToken) != fingerprint)
            {
                return TypedResults.Problem(
                    $"Idempotency-Key '{key}' was first used with different lines. Nothing was ingested: a key names its lines " +
                    "(key + line number), so new lines need a new key; sending the original lines again is fine.",
                    statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused with different lines");
            }

            metrics.LinesRejected(p.Summary);
            result = p.Lines.Count == 0 ? new IngestResult(0, 0, 0) : await pipeline.IngestAsync(p.Lines, arrivedAt, cancellationToken);
        }
        catch (StorageUnavailableException e)
        {
            // Nothing was acknowledged; the same body (or Idempotency-Key) can be sent again and counts once.
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                e.Message + " Nothing was acknowledged: send the same request again (same body or Idempotency-Key); lines are counted once.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable");
        }

        if (result.Accepted > 0)
        {
            directory.Invalidate();
        }

        var errors = p.Errors.Select(e => p.IsJson
            ? new LineErrorDto(null, e.LineNumber - 2, e.Reason.ToString(), e.Field, e.Message)
            : new LineErrorDto(e.LineNumber, null, e.Reason.ToString(), e.Field, e.Message)).ToList();
        return TypedResults.Ok(new IngestResponse(
            p.Source,
            p.IsJson ? "json" : "csv",
            p.Summary.Total,
            result.Accepted,
            result.AlreadyKnown,
            p.Summary.Rejected,
            p.Summary.RejectedByReason.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value, StringComparer.Ordinal),
            errors,
            p.Summary.Rejected > errors.Count));
    }
}
