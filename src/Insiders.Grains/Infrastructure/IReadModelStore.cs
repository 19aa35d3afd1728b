using Insiders.Clustering;
using Insiders.Customers;

namespace Insiders.Infrastructure;

/// <summary>
/// Tables for users and BI tools (current customers, model versions and their segment profiles). Written behind the
/// grains — at shard flushes and after each retrain — and never read by them: the grains' own state is the truth.
/// </summary>
public interface IReadModelStore
{
    /// <summary>Upserts the current features and classification of these customers, measured at <paramref name="asOf"/>.</summary>
    Task UpsertCustomersAsync(IReadOnlyList<CustomerReport> reports, DateOnly asOf, CancellationToken cancellationToken = default);

    /// <summary>Records a published model and its segment profiles (idempotent by version).</summary>
    Task RecordModelAsync(SegmentModel model, CancellationToken cancellationToken = default);
}

/// <summary>No read model (the embedded default and tests): the grains and the HTTP API are the way to read.</summary>
public sealed class NoReadModelStore : IReadModelStore
{
    public Task UpsertCustomersAsync(IReadOnlyList<CustomerReport> reports, DateOnly asOf, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RecordModelAsync(SegmentModel model, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
