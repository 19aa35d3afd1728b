namespace Insiders.Transactions;

/// <summary>
/// One accepted invoice line of the Online Retail format, after cleaning.
/// </summary>
/// <param name="LineId">Identity of the line (source and position), used to make re-delivery idempotent.
/// Identical content on two lines is two real purchases; identical <see cref="LineId"/> is one line delivered twice.</param>
/// <param name="CustomerId">Normalised customer id (or the invoice-derived id under <see cref="MissingCustomerPolicy.PerInvoice"/>).</param>
[GenerateSerializer, Immutable, Alias("insiders.transaction-line")]
public sealed record TransactionLine(
    ulong LineId,
    string InvoiceNo,
    string StockCode,
    int Quantity,
    DateTime InvoiceDate,
    decimal UnitPrice,
    string CustomerId,
    string Country)
{
    /// <summary>A purchase line has a positive quantity; a negative quantity is a return.</summary>
    public bool IsPurchase => Quantity > 0;

    /// <summary>Quantity × unit price (negative for returns), exact in decimal.</summary>
    public decimal LineValue => Quantity * UnitPrice;
}
