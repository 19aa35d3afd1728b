namespace Insiders.Transactions;

/// <summary>What to do with a line that has no CustomerID.</summary>
public enum MissingCustomerPolicy
{
    /// <summary>Reject the line (counted as <see cref="RejectReason.MissingCustomerId"/>). The data teams' default.</summary>
    Drop,

    /// <summary>Each such invoice becomes its own customer, keyed <c>inv-{InvoiceNo}</c>.</summary>
    PerInvoice,
}
