namespace Insiders.Transactions;

/// <summary>Why a line was not accepted. Every rejected line is counted under exactly one reason.</summary>
public enum RejectReason
{
    /// <summary>The row does not have the 8 columns of the format, or its quoting is broken.</summary>
    MalformedRow,
    /// <summary>InvoiceNo is empty or too long.</summary>
    InvalidInvoiceNo,
    /// <summary>StockCode is empty or too long.</summary>
    InvalidStockCode,
    /// <summary>Quantity is not an integer in range.</summary>
    InvalidQuantity,
    /// <summary>InvoiceDate is not a date (<c>yyyy-MM-dd HH:mm:ss</c> and a few common variants).</summary>
    InvalidInvoiceDate,
    /// <summary>UnitPrice is not a finite decimal number.</summary>
    InvalidUnitPrice,
    /// <summary>CustomerID is present but not a usable identifier.</summary>
    InvalidCustomerId,
    /// <summary>Quantity is 0.</summary>
    ZeroQuantity,
    /// <summary>Unit price is below the minimum (0.04), e.g. free samples, adjustments, negative prices.</summary>
    PriceBelowMinimum,
    /// <summary>StockCode is a non-product code (postage, discount, manual, fees, ...).</summary>
    NonProductStockCode,
    /// <summary>Country is a non-country ("European Community", "Unspecified").</summary>
    ExcludedCountry,
    /// <summary>No CustomerID and the policy is <see cref="MissingCustomerPolicy.Drop"/>.</summary>
    MissingCustomerId,
}
