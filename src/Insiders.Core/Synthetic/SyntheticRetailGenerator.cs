namespace Insiders.Synthetic;

/// <summary>
/// Generates realistic synthetic transactions in the UCI "Online Retail" format, for demos and scale tests.
/// </summary>
/// <remarks>
/// <para>
/// The model: customers follow a BG/NBD-like process (purchase rates gamma-distributed across customers, a
/// beta-distributed chance of churning after each purchase); 35% already trade at the start and the rest arrive over
/// the window. Basket sizes and quantities are lognormal per customer and per invoice (with a few wholesalers),
/// products have Zipf-like popularity and stable prices, intensity follows the real data's weekday × hour profile
/// (no Saturdays), a seasonal ramp toward November and a Christmas closure. Guest invoices without customer id,
/// cancellations of earlier purchases and a few dirty lines complete the picture.
/// </para>
/// <para>
/// Output is deterministic for a seed and streamed: memory holds per-customer state and one invoice, not the lines.
/// </para>
/// </remarks>
public sealed class SyntheticRetailGenerator(SyntheticRetailOptions options)
{
    private readonly SyntheticRetailOptions _options = Validated(options);

    /// <summary>
    /// The lines, in non-decreasing <see cref="SyntheticLine.InvoiceDate"/> order within [Start, Start + Days) and
    /// with increasing invoice numbers. Each enumeration produces the same lines. A window in which the shop never
    /// opens (for instance a single Saturday) has no lines.
    /// </summary>
    public IEnumerable<SyntheticLine> Generate()
    {
        var run = new GenerationRun(_options);
        foreach (var line in run.Lines())
        {
            yield return line;
        }
    }

    /// <summary>
    /// Writes the header and every line as CSV: invariant culture, minimal quoting, dates as
    /// <c>yyyy-MM-dd HH:mm:ss</c>, an empty CustomerID for guests and <c>\n</c> line ends.
    /// </summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(SyntheticLine.CsvHeader);
        writer.Write('\n');
        foreach (var line in Generate())
        {
            line.WriteCsvRow(writer);
            writer.Write('\n');
        }
    }

    private static SyntheticRetailOptions Validated(SyntheticRetailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
