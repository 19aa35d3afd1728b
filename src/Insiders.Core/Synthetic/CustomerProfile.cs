namespace Insiders.Synthetic;

/// <summary>One customer's fixed traits, drawn once (see <see cref="CustomerPopulation"/>).</summary>
internal sealed class CustomerProfile
{
    private const int MaxBasketLines = 600;
    private const double BasketSpread = 0.75; // invoice-to-invoice spread of basket size (log scale)
    private const double QuantitySpread = 0.55; // line-to-line spread of packs per line (log scale)
    private const double SingleUnitShare = 0.2; // lines of one or two loose units, whatever the pack

    public required string Id { get; init; }

    public required string Country { get; init; }

    /// <summary>Purchases per activity day while active (gamma-distributed across customers).</summary>
    public required double Rate { get; init; }

    /// <summary>Chance of becoming inactive after each purchase (beta-distributed across customers).</summary>
    public required double ChurnProbability { get; init; }

    /// <summary>Median lines per invoice of this customer.</summary>
    public required double BasketMedian { get; init; }

    /// <summary>Median packs per line of this customer (large for wholesalers).</summary>
    public required double PacksMedian { get; init; }

    /// <summary>Products this customer buys again and again (catalogue indices).</summary>
    public required int[] Favourites { get; init; }

    /// <summary>Activity time of the first purchase in the window.</summary>
    public required double FirstPurchaseAt { get; init; }

    public int NextBasketSize(Random random) =>
        Math.Clamp((int)Math.Round(random.NextLogNormal(BasketMedian, BasketSpread)), 1, MaxBasketLines);

    public int NextQuantity(Product product, Random random)
    {
        if (random.NextDouble() < SingleUnitShare)
        {
            return random.NextDouble() < 0.65 ? 1 : 2;
        }

        var packs = Math.Max(1, (int)Math.Round(random.NextLogNormal(PacksMedian, QuantitySpread)));
        return packs * product.PackSize;
    }
}
