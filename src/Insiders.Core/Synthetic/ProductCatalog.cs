using System.Globalization;

namespace Insiders.Synthetic;

/// <summary>
/// The product catalogue: stock codes like the real ones ("22423", families of variants like "85123A"), lognormal
/// list prices, pack sizes that fall with price, and Zipf–Mandelbrot popularity in a random order of products.
/// </summary>
internal sealed class ProductCatalog
{
    // Popularity of the product of rank k is proportional to (k + Offset)^-Exponent: fitted to the real line counts
    // by rank (the top product holds about 0.6% of lines, rank 100 a quarter of that, rank 1,000 about a twentieth).
    private const double PopularityOffset = 10;
    private const double PopularityExponent = 0.7;

    // List prices: lognormal around 2.10 (real line prices: quartiles 1.25 and 4.21, 99th percentile 18).
    private const double MedianPrice = 2.1;
    private const double PriceSigma = 0.95;
    private const double FamilyShare = 0.2;
    private const double PriceChangeShare = 0.2;

    // Real stock codes mostly start 22, 21, 84, 90, 85, 20, 23: thousands blocks weighted like the real catalogue.
    private static readonly WeightedChoice<int> CodeBlocks = new(
    [
        (22, 26), (21, 19), (84, 11), (90, 10), (85, 7), (20, 6), (23, 5), (35, 3), (72, 2), (47, 2), (16, 2), (37, 1),
        (79, 1), (82, 1), (17, 1), (15, 1), (46, 1), (71, 1), (48, 1),
    ]);

    private static readonly WeightedChoice<int>[] PacksByPriceBand =
    [
        new([(12, 3), (24, 3), (48, 1), (25, 1), (10, 1), (72, 0.5), (100, 0.3)]), // below 0.50
        new([(12, 4), (6, 2), (24, 2), (10, 1), (25, 0.5), (8, 0.5)]), // below 1.50
        new([(6, 3), (12, 2), (4, 2), (2, 1), (3, 1), (8, 1)]), // below 4
        new([(1, 2), (2, 2), (4, 2), (3, 1), (6, 1)]), // below 10
        new([(1, 5), (2, 2), (4, 1)]),
    ];

    private readonly Product[] _products;
    private readonly WeightedChoice<int> _popularity;

    public ProductCatalog(int count, double totalActivity, Random random)
    {
        _products = new Product[count];
        var usedCodes = new HashSet<int>();
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        var filled = 0;
        while (filled < count)
        {
            var variants = random.NextDouble() < FamilyShare ? Math.Min(random.Next(2, 6), count - filled) : 1;
            var baseCode = NextBaseCode(random, usedCodes);
            var names = UniqueFamilyNames(random, variants, usedNames);
            var listPrice = RoundPrice(random.NextLogNormal(MedianPrice, PriceSigma));
            var pack = PackSize(random, listPrice);
            for (var v = 0; v < variants; v++)
            {
                var changes = random.NextDouble() < PriceChangeShare;
                var changeAt = changes ? random.NextDouble() * totalActivity : double.PositiveInfinity;
                var changedPrice = changes ? RoundPrice((double)listPrice * (0.85 + 0.35 * random.NextDouble())) : listPrice;
                var code = baseCode.ToString(CultureInfo.InvariantCulture) + (variants > 1 ? ((char)('A' + v)).ToString() : "");
                _products[filled++] = new Product(code, names[v], listPrice, pack, changeAt, changedPrice);
            }
        }

        var ranks = Enumerable.Range(0, count).ToArray();
        random.Shuffle(ranks);
        _popularity = new WeightedChoice<int>(
            [.. ranks.Select((product, rank) => (product, Math.Pow(rank + 1 + PopularityOffset, -PopularityExponent)))]);
    }

    public int Count => _products.Length;

    public Product this[int index] => _products[index];

    /// <summary>The index of a product drawn by popularity.</summary>
    public int SampleIndex(Random random) => _popularity.Sample(random);

    /// <summary>Prices at 0.01 below 1 and at 0.05 above (2.55, 12.75), never below 0.06.</summary>
    private static decimal RoundPrice(double price) => price < 1
        ? Math.Max(0.06m, Math.Round((decimal)price, 2, MidpointRounding.AwayFromZero))
        : Math.Round((decimal)price * 20, MidpointRounding.AwayFromZero) / 20;

    private static int NextBaseCode(Random random, HashSet<int> used)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var code = CodeBlocks.Sample(random) * 1000 + random.Next(1000);
            if (used.Add(code))
            {
                return code;
            }
        }

        // Crowded blocks: any free five-digit code (at most MaxProducts of the 90,000 are ever used).
        while (true)
        {
            var code = random.Next(10_000, 100_000);
            if (used.Add(code))
            {
                return code;
            }
        }
    }

    private static string[] UniqueFamilyNames(Random random, int variants, HashSet<string> used)
    {
        for (var attempt = 0; ; attempt++)
        {
            var names = ProductNames.Family(random, variants);
            if (attempt >= 20)
            {
                // Huge catalogues exhaust the word lists: number the repeats.
                for (var v = 0; v < names.Length; v++)
                {
                    var numbered = names[v];
                    for (var n = 2; !used.Add(numbered); n++)
                    {
                        numbered = string.Create(CultureInfo.InvariantCulture, $"{names[v]} {n}");
                    }

                    names[v] = numbered;
                }

                return names;
            }

            if (names.Distinct(StringComparer.Ordinal).Count() == names.Length && !names.Any(used.Contains))
            {
                used.UnionWith(names);
                return names;
            }
        }
    }

    private static int PackSize(Random random, decimal price)
    {
        var band = price switch
        {
            < 0.5m => 0,
            < 1.5m => 1,
            < 4m => 2,
            < 10m => 3,
            _ => 4,
        };
        return PacksByPriceBand[band].Sample(random);
    }
}
