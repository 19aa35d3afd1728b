namespace Insiders;

/// <summary>Names shared by grains and hosts.</summary>
public static class InsidersNames
{
    /// <summary>The grain storage provider holding customer, shard and coordinator state.</summary>
    public const string Storage = "insiders";

    /// <summary>The single coordinator grain's key.</summary>
    public const long CoordinatorKey = 0;
}
