using Orleans.Concurrency;
using Insiders.Transactions;

namespace Insiders.Customers;

/// <summary>One customer: applies its lines incrementally and idempotently, classifies itself against the current model.</summary>
[Alias("insiders.customer")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Applies lines of this customer (any order; already applied line ids are ignored).</summary>
    [Alias("apply")]
    Task<CustomerReport> Apply(Immutable<TransactionLine[]> lines);

    /// <summary>Current status: features at the clock date, segment, insider flag, since when, and why.</summary>
    [Alias("status")]
    Task<CustomerStatus> GetStatus();

    /// <summary>
    /// Reclassifies against a model at least as new as <paramref name="modelVersion"/>, with the clock at least
    /// <paramref name="asOf"/> (the bulk sweep calls this, so the grain decides exactly what the sweep computed).
    /// </summary>
    [Alias("reclassify")]
    Task<CustomerReport> Reclassify(long modelVersion, DateOnly asOf);

    /// <summary>
    /// Persists the state (and any pending Insider transitions) when it changed since the last flush; returns the
    /// activation id (see <see cref="CustomerReport.Activation"/>).
    /// </summary>
    [Alias("flush")]
    Task<Guid> Flush();

    /// <summary>
    /// As <see cref="Flush"/>, but writes the state even when this activation believes it already wrote it: the
    /// checkpoint's flush. A write that returned but was lost with a crashed database server (customer state commits
    /// asynchronously on PostgreSQL) is then found, since the stored version is behind this activation's; the
    /// customer reloads the stored state and answers with a new activation id, so the checkpoint delivers its lines
    /// again before it records its journal position.
    /// </summary>
    [Alias("rewrite")]
    Task<Guid> Rewrite();
}
