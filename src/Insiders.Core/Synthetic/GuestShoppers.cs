namespace Insiders.Synthetic;

/// <summary>
/// Invoices without a customer id (guest checkouts). In the real data about two thirds are a single line and the rest
/// large (80th percentile 44 lines, 99th 460); quantities are small, prices the higher web-shop ones; nearly all UK.
/// </summary>
internal static class GuestShoppers
{
    private const double SmallBasketShare = 0.68;
    private const double LargeBasketMedian = 55;
    private const double LargeBasketSigma = 1.1;
    private const int MaxBasketLines = 700;

    private static readonly WeightedChoice<string> Countries = new(
        [("United Kingdom", 1677), ("EIRE", 11), ("Hong Kong", 4), ("Israel", 2), ("Bahrain", 1)]);

    public static string NextCountry(Random random) => Countries.Sample(random);

    public static int NextBasketSize(Random random) => random.NextDouble() < SmallBasketShare
        ? 1 + (random.NextDouble() < 0.15 ? random.Next(1, 4) : 0)
        : Math.Clamp((int)Math.Round(random.NextLogNormal(LargeBasketMedian, LargeBasketSigma)), 2, MaxBasketLines);

    public static int NextQuantity(Product product, Random random) => random.NextDouble() switch
    {
        < 0.55 => 1,
        < 0.75 => 2,
        < 0.87 => random.Next(3, 5),
        _ => product.PackSize * random.Next(1, 3),
    };
}
