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
}
