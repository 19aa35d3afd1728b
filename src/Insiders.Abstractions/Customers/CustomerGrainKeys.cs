namespace Insiders.Customers;

/// <summary>
/// How a customer id becomes a grain key. Orleans' ADO.NET storage stores a string key that parses as hexadecimal as
/// a number, so "17850" and "017850" (or "abc" and "ABC") would share one state row; a prefix that is not hexadecimal
/// keeps every customer id its own row. Always reach customers through <see cref="Customer"/>.
/// </summary>
public static class CustomerGrainKeys
{
    public const string Prefix = "customer/";

    public static string For(string customerId) => Prefix + customerId;

    public static string CustomerIdOf(string grainKey) =>
        grainKey.StartsWith(Prefix, StringComparison.Ordinal) ? grainKey[Prefix.Length..] : grainKey;

    /// <summary>The grain of <paramref name="customerId"/>.</summary>
    public static ICustomerGrain Customer(this IGrainFactory grains, string customerId)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<ICustomerGrain>(For(customerId));
    }
}
