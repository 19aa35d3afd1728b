using Insiders.Transactions;

namespace Insiders.Features;

/// <summary>
/// Incremental, order-independent and idempotent accumulation of one customer's lines.
/// Every aggregate is a commutative sum, a minimum or a set, so lines may arrive in any order; a line whose
/// <see cref="TransactionLine.LineId"/> was already applied is ignored, so re-delivery changes nothing.
/// Money is summed in <see cref="decimal"/>, so the result equals a batch recompute exactly.
/// </summary>
/// <remarks>Plain settable properties so that grain storage can serialise it as it is.</remarks>
[GenerateSerializer, Alias("insiders.customer-ledger")]
public sealed class CustomerLedger
{
    /// <summary>Ids of every line applied (purchases and returns).</summary>
    [Id(0)]
    public HashSet<ulong> AppliedLines { get; set; } = [];

    /// <summary>Purchase invoice → day (<see cref="DateOnly.DayNumber"/>) of its earliest purchase line.</summary>
    [Id(1)]
    public Dictionary<string, int> PurchaseInvoices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Stock code → day of its first purchase.</summary>
    [Id(2)]
    public Dictionary<string, int> PurchaseProducts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Day → totals of the lines of that day.</summary>
    [Id(3)]
    public Dictionary<int, DayTotals> Days { get; set; } = [];

    /// <summary>Latest InvoiceDate of any applied line, purchase or return.</summary>
    [Id(4)]
    public DateTime? LastActivity { get; set; }

    public int LineCount => AppliedLines.Count;

    /// <summary>Applies one line; returns false (and changes nothing) when the line was applied before or has quantity 0.</summary>
    public bool Apply(ulong lineId, string invoiceNo, string stockCode, int quantity, DateTime invoiceDate, decimal unitPrice)
    {
        if (quantity == 0 || !AppliedLines.Add(lineId))
        {
            return false;
        }

        var day = DateOnly.FromDateTime(invoiceDate).DayNumber;
        if (!Days.TryGetValue(day, out var totals))
        {
            totals = new DayTotals();
            Days.Add(day, totals);
        }

        if (quantity > 0)
        {
            totals.GrossRevenue += quantity * unitPrice;
            totals.QtyItems += quantity;
            KeepEarliest(PurchaseInvoices, invoiceNo, day);
            KeepEarliest(PurchaseProducts, stockCode, day);
        }
        else
        {
            var returned = -(long)quantity;
            totals.ReturnsValue += returned * unitPrice;
            totals.QtyReturns += returned;
        }

        if (LastActivity is null || invoiceDate > LastActivity)
        {
            LastActivity = invoiceDate;
        }

        return true;
    }

    public bool Apply(TransactionLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Apply(line.LineId, line.InvoiceNo, line.StockCode, line.Quantity, line.InvoiceDate, line.UnitPrice);
    }

    /// <summary>The per-day history, sorted by day.</summary>
    public CustomerHistory ToHistory(string customerId)
    {
        var newInvoices = CountByDay(PurchaseInvoices);
        var newProducts = CountByDay(PurchaseProducts);
        var days = new DayActivity[Days.Count];
        var i = 0;
        foreach (var (day, t) in Days)
        {
            days[i++] = new DayActivity(
                day, t.GrossRevenue, t.QtyItems, newInvoices.GetValueOrDefault(day), newProducts.GetValueOrDefault(day), t.ReturnsValue, t.QtyReturns);
        }

        Array.Sort(days, static (a, b) => a.Day.CompareTo(b.Day));
        return new CustomerHistory(customerId, days);
    }

    private static void KeepEarliest(Dictionary<string, int> map, string key, int day)
    {
        if (!map.TryGetValue(key, out var existing) || day < existing)
        {
            map[key] = day;
        }
    }

    private static Dictionary<int, int> CountByDay(Dictionary<string, int> firstDays)
    {
        var counts = new Dictionary<int, int>();
        foreach (var day in firstDays.Values)
        {
            counts[day] = counts.GetValueOrDefault(day) + 1;
        }

        return counts;
    }
}
