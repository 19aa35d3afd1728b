using Insiders.Transactions;

namespace Insiders.Backtesting;

/// <summary>Scores Insiders against the lines after the cut (pure computation; no Orleans).</summary>
public static class BacktestEvaluator
{
    /// <param name="grossBeforeCut">Gross revenue before the cut of every customer known (with purchases) at the cut.</param>
    /// <param name="insiders">The Insiders chosen at the cut.</param>
    /// <param name="forward">Cleaned lines with cut &lt;= InvoiceDate &lt; until.</param>
    public static BacktestReport Evaluate(
        DateOnly cut,
        DateOnly until,
        IReadOnlyDictionary<string, decimal> grossBeforeCut,
        IReadOnlySet<string> insiders,
        IEnumerable<TransactionLine> forward)
    {
        ArgumentNullException.ThrowIfNull(grossBeforeCut);
        ArgumentNullException.ThrowIfNull(insiders);
        ArgumentNullException.ThrowIfNull(forward);
        var future = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var line in forward)
        {
            if (line.IsPurchase && grossBeforeCut.ContainsKey(line.CustomerId))
            {
                future[line.CustomerId] = future.GetValueOrDefault(line.CustomerId) + line.LineValue;
            }
        }

        var total = future.Values.Sum();
        var insiderKnown = insiders.Where(grossBeforeCut.ContainsKey).ToList();
        var captured = insiderKnown.Sum(id => future.GetValueOrDefault(id));
        double Share(decimal part) => total == 0 ? 0 : (double)(part / total);
        double TopCapture(int n) => Share(grossBeforeCut
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(n).Sum(kv => future.GetValueOrDefault(kv.Key)));

        var known = grossBeforeCut.Count;
        return new BacktestReport(
            cut,
            until,
            known,
            insiderKnown.Count,
            known == 0 ? 0 : (double)insiderKnown.Count / known,
            total,
            captured,
            Share(captured),
            TopCapture(insiderKnown.Count),
            TopCapture((int)Math.Floor(known * 0.15)));
    }
}
