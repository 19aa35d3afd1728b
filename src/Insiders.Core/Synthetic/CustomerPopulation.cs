using System.Globalization;

namespace Insiders.Synthetic;

/// <summary>
/// Draws the customers: BG/NBD-like purchase behaviour (gamma-distributed rates, beta-distributed churn after each
/// purchase), lognormal basket sizes and quantities, a few wholesalers, countries and ids like the real data.
/// </summary>
internal static class CustomerPopulation
{
    private const int FirstCustomerId = 12346;
    private const double IdGapProbability = 0.26; // real ids 12346..18287 are used at 74% density

    // Customers already trading at the start (they first show up after an exponential wait at their own rate);
    // the rest are acquired uniformly in activity time, i.e. more in busy seasons.
    private const double ExistingShare = 0.35;

    private const double RateShape = 0.6;
    private const double RateScale = 0.07; // mean rate 0.042 purchases per activity day
    private const double ChurnAlpha = 1.0;
    private const double ChurnBeta = 4.0; // mean churn 0.2 per purchase

    private const double MedianBasket = 12;
    private const double BasketSigma = 0.65;
    private const double PacksSigma = 0.45;
    private const double WholesaleRateFactor = 1.5;
    private const double WholesaleBasketFactor = 1.6;
    private const double WholesaleMedianPacks = 8;
    private const double WholesalePacksSigma = 0.7;
    private const int FavouriteCount = 12;

    // Customers by country in the real data (December 2010 to May 2011).
    private static readonly WeightedChoice<string> Countries = new(
    [
        ("United Kingdom", 2508), ("Germany", 57), ("France", 56), ("Spain", 19), ("Belgium", 16), ("Switzerland", 11),
        ("Portugal", 11), ("Italy", 10), ("Australia", 8), ("Netherlands", 7), ("Channel Islands", 7), ("Austria", 7),
        ("Japan", 5), ("Cyprus", 5), ("Sweden", 4), ("Finland", 4), ("Norway", 3), ("EIRE", 3), ("Poland", 3),
        ("Greece", 3), ("Israel", 2), ("Denmark", 2), ("Canada", 2), ("Bahrain", 2), ("Lithuania", 1), ("Iceland", 1),
        ("Singapore", 1), ("Lebanon", 1), ("United Arab Emirates", 1), ("Saudi Arabia", 1), ("Czech Republic", 1),
        ("Brazil", 1), ("USA", 1), ("Malta", 1), ("RSA", 1),
    ]);

    public static CustomerProfile[] Create(SyntheticRetailOptions options, ProductCatalog catalog, double totalActivity, Random random)
    {
        var ids = new int[options.Customers];
        var next = FirstCustomerId;
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = next++;
            while (random.NextDouble() < IdGapProbability)
            {
                next++;
            }
        }

        random.Shuffle(ids);
        var customers = new CustomerProfile[options.Customers];
        for (var i = 0; i < customers.Length; i++)
        {
            var wholesale = random.NextDouble() < options.WholesaleCustomerShare;
            var rate = random.NextGamma(RateShape, RateScale) * (wholesale ? WholesaleRateFactor : 1);
            var favourites = new int[Math.Min(FavouriteCount, catalog.Count)];
            for (var f = 0; f < favourites.Length; f++)
            {
                // Distinct products, drawn by popularity (a bounded number of tries keeps tiny catalogues fast).
                var candidate = catalog.SampleIndex(random);
                for (var attempt = 0; attempt < 50 && favourites.AsSpan(0, f).Contains(candidate); attempt++)
                {
                    candidate = catalog.SampleIndex(random);
                }

                favourites[f] = candidate;
            }

            customers[i] = new CustomerProfile
            {
                Id = ids[i].ToString(CultureInfo.InvariantCulture),
                Country = Countries.Sample(random),
                Rate = rate,
                ChurnProbability = random.NextBeta(ChurnAlpha, ChurnBeta),
                BasketMedian = random.NextLogNormal(MedianBasket, BasketSigma) * (wholesale ? WholesaleBasketFactor : 1),
                PacksMedian = wholesale ? random.NextLogNormal(WholesaleMedianPacks, WholesalePacksSigma) : random.NextLogNormal(1, PacksSigma),
                Favourites = favourites,
                FirstPurchaseAt = random.NextDouble() < ExistingShare
                    ? random.NextTruncatedExponential(rate, totalActivity)
                    : random.NextDouble() * totalActivity,
            };
        }

        return customers;
    }
}
