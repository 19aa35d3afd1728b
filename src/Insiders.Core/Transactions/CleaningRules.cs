namespace Insiders.Transactions;

/// <summary>
/// The cleaning rules of the batch notebooks Insiders replaces. Applied in this order after parsing:
/// zero quantity, price below minimum, non-product stock code, excluded country, missing customer.
/// </summary>
public sealed class CleaningRules
{
    /// <summary>Prices strictly below this are rejected.</summary>
    public decimal MinimumUnitPrice { get; init; } = 0.04m;

    /// <summary>Stock codes that are not products (case-sensitive: <c>M</c> and <c>m</c> are both listed).</summary>
    public IReadOnlySet<string> NonProductStockCodes { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK",
    };

    /// <summary>Country values that are not countries.</summary>
    public IReadOnlySet<string> ExcludedCountries { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "European Community", "Unspecified",
    };

    public MissingCustomerPolicy MissingCustomer { get; init; } = MissingCustomerPolicy.Drop;

    public static CleaningRules Default { get; } = new();
}
