namespace Insiders;

/// <summary>Names shared by grains and hosts.</summary>
public static class InsidersNames
{
    /// <summary>The grain storage provider holding shard and coordinator state.</summary>
    public const string Storage = "insiders";

    /// <summary>
    /// The grain storage provider holding customer state: the same table as <see cref="Storage"/> (a stored row does not
    /// name its provider), registered apart so that on PostgreSQL its writes commit asynchronously, multiplexed (see
    /// <c>PostgresConnectionString.ForCustomerState</c>).
    /// </summary>
    public const string CustomerStorage = "insiders-customers";

    /// <summary>The single coordinator grain's key.</summary>
    public const long CoordinatorKey = 0;
}
