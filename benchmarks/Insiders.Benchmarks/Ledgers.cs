using System.Runtime.InteropServices;
using Insiders.Features;
using Insiders.Transactions;

namespace Insiders.Benchmarks;

/// <summary>The baselines' in-memory state: one <see cref="CustomerLedger"/> per customer id, no grains, no storage.</summary>
internal static class Ledgers
{
    public static Dictionary<string, CustomerLedger> New() => new(StringComparer.Ordinal);

    /// <summary>The customer's ledger, created empty on first use.</summary>
    public static CustomerLedger For(this Dictionary<string, CustomerLedger> ledgers, string customerId)
    {
        ref var ledger = ref CollectionsMarshal.GetValueRefOrAddDefault(ledgers, customerId, out _);
        return ledger ??= new CustomerLedger();
    }

    /// <summary>Applies every line to its customer's ledger.</summary>
    public static Dictionary<string, CustomerLedger> Fold(IEnumerable<TransactionLine> lines)
    {
        var ledgers = New();
        foreach (var line in lines)
        {
            ledgers.For(line.CustomerId).Apply(line);
        }

        return ledgers;
    }
}
