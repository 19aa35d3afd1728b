namespace Insiders.Synthetic;

/// <summary>
/// A catalogue item with a stable list price and its few price variants: a bulk price for large quantities, a higher
/// price on guest (no customer id) invoices, and for some products one price change at a point in the window.
/// </summary>
internal sealed class Product
{
    /// <summary>Units per line are usually multiples of the pack; at this many packs the bulk price applies.</summary>
    public const int BulkPacks = 8;

    private const decimal BulkFactor = 0.86m;
    private const decimal GuestMarkup = 1.96m;

    private readonly decimal[] _prices; // [period * 3 + variant], variant: 0 list, 1 bulk, 2 guest

    public Product(string stockCode, string description, decimal listPrice, int packSize, double priceChangeAt, decimal changedPrice)
    {
        StockCode = stockCode;
        Description = description;
        PackSize = packSize;
        PriceChangeAt = priceChangeAt;
        _prices =
        [
            listPrice, RoundToCents(listPrice * BulkFactor), RoundToCents(listPrice * GuestMarkup),
            changedPrice, RoundToCents(changedPrice * BulkFactor), RoundToCents(changedPrice * GuestMarkup),
        ];
    }

    public string StockCode { get; }

    public string Description { get; }

    /// <summary>The usual number of units sold together (1 for expensive items, 12 or 24 for cheap ones).</summary>
    public int PackSize { get; }

    /// <summary>Activity time from which the changed price applies; +∞ when the price never changes.</summary>
    public double PriceChangeAt { get; }

    /// <summary>The list price at <paramref name="activity"/> before any variant.</summary>
    public decimal ListPriceAt(double activity) => _prices[activity >= PriceChangeAt ? 3 : 0];

    /// <summary>The price of a customer line: bulk price from <see cref="BulkPacks"/> packs on.</summary>
    public decimal CustomerPriceAt(double activity, int quantity) =>
        _prices[(activity >= PriceChangeAt ? 3 : 0) + (quantity >= BulkPacks * PackSize ? 1 : 0)];

    /// <summary>The price of a guest line (the web-shop price, about twice the trade price).</summary>
    public decimal GuestPriceAt(double activity) => _prices[(activity >= PriceChangeAt ? 3 : 0) + 2];

    private static decimal RoundToCents(decimal price) => Math.Max(0.05m, Math.Round(price, 2, MidpointRounding.AwayFromZero));
}
