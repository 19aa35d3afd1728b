using System.Globalization;

namespace Insiders.Synthetic;

/// <summary>
/// One pass of the generator: a discrete-event simulation in activity time. Every customer, pending return and guest
/// invoice is an event in one priority queue, so invoices come out in time order while memory holds only the
/// per-customer state and the invoice being written.
/// </summary>
internal sealed class GenerationRun
{
    private const int FirstInvoiceNumber = 536365;
    private const double RepeatPurchaseProbability = 0.25; // per favourite product and invoice
    private const double ExtraReturnLineProbability = 0.56; // lines per cancellation: 1 + geometric, mean 2.3 (real: 2.26)
    private const double ReturnDelayMedianDays = 7; // real: quartiles 3.7 and 19 days
    private const double ReturnDelaySigma = 1.3;
    private const double GuestDelayMeanDays = 0.02; // guests follow the customers' activity with a short lag

    private static readonly WeightedChoice<DirtyLineKind> DirtyKinds = new(
    [
        (DirtyLineKind.Postage, 0.3), (DirtyLineKind.Manual, 0.15), (DirtyLineKind.ZeroPrice, 0.3),
        (DirtyLineKind.ZeroQuantity, 0.1), (DirtyLineKind.UnspecifiedCountry, 0.15),
    ]);

    private static readonly decimal[] PostagePrices = [18m, 18m, 18m, 40m, 15m];

    private readonly SyntheticRetailOptions _options;
    private readonly TradingCalendar _calendar;
    private readonly ProductCatalog _catalog;
    private readonly CustomerProfile[] _customers;
    private readonly Random _timing;
    private readonly Random _baskets;
    private readonly Random _returns;
    private readonly Random _dirty;
    private readonly Random _guests;
    private readonly double _guestLinesPerCustomerLine;
    private readonly PriorityQueue<ScheduledEvent, (double At, long Sequence)> _queue = new();
    private readonly List<SyntheticLine> _invoice = [];
    private readonly List<ReturnedItem> _returnable = [];
    private readonly HashSet<int> _inInvoice = [];
    private long _sequence;
    private int _nextInvoiceNumber = FirstInvoiceNumber;
    private double _guestLineCredit;
    private int _nextGuestSize;

    public GenerationRun(SyntheticRetailOptions options)
    {
        _options = options;
        _calendar = new TradingCalendar(options.Start, options.Days);
        _catalog = new ProductCatalog(options.Products, _calendar.TotalActivity, DerivedRandom.Create(options.Seed, RandomPurpose.Catalogue));
        _customers = _calendar.TotalActivity > 0
            ? CustomerPopulation.Create(options, _catalog, _calendar.TotalActivity, DerivedRandom.Create(options.Seed, RandomPurpose.Customers))
            : [];
        _timing = DerivedRandom.Create(options.Seed, RandomPurpose.Timing);
        _baskets = DerivedRandom.Create(options.Seed, RandomPurpose.Baskets);
        _returns = DerivedRandom.Create(options.Seed, RandomPurpose.Returns);
        _dirty = DerivedRandom.Create(options.Seed, RandomPurpose.DirtyLines);
        _guests = DerivedRandom.Create(options.Seed, RandomPurpose.Guests);
        _guestLinesPerCustomerLine = options.MissingCustomerIdShare / (1 - options.MissingCustomerIdShare);
        _nextGuestSize = GuestShoppers.NextBasketSize(_guests);
    }

    public IEnumerable<SyntheticLine> Lines()
    {
        for (var i = 0; i < _customers.Length; i++)
        {
            Schedule(new ScheduledEvent(EventKind.Purchase, i), _customers[i].FirstPurchaseAt);
        }

        while (_queue.TryDequeue(out var next, out var key))
        {
            _invoice.Clear();
            var date = _calendar.ToDate(key.At);
            switch (next.Kind)
            {
                case EventKind.Purchase:
                    Purchase(next.Customer, key.At, date);
                    break;
                case EventKind.Return:
                    Return(next.Customer, next.Returned!, key.At, date);
                    break;
                default:
                    Guest(next.GuestLines, key.At, date);
                    break;
            }

            foreach (var line in _invoice)
            {
                yield return line;
            }
        }
    }

    private void Purchase(int index, double at, DateTime date)
    {
        var customer = _customers[index];
        var invoiceNo = NextInvoiceNo(cancellation: false);
        var size = customer.NextBasketSize(_baskets);
        _returnable.Clear();
        _inInvoice.Clear();
        var favourite = 0;
        for (var i = 0; i < size; i++)
        {
            var product = _catalog[NextCustomerProduct(customer, ref favourite)];
            if (_dirty.NextDouble() < _options.DirtyLineShare)
            {
                _invoice.Add(DirtyLine(invoiceNo, date, product, product.ListPriceAt(at), customer.Id, customer.Country));
                continue;
            }

            var quantity = customer.NextQuantity(product, _baskets);
            var price = product.CustomerPriceAt(at, quantity);
            _invoice.Add(new SyntheticLine(invoiceNo, product.StockCode, product.Description, quantity, date, price, customer.Id, customer.Country));
            _returnable.Add(new ReturnedItem(product, quantity, price));
        }

        PlanReturn(index, at);
        CreditGuestLines(size, at);
        if (_timing.NextDouble() >= customer.ChurnProbability)
        {
            Schedule(new ScheduledEvent(EventKind.Purchase, index), at + _timing.NextExponential(1 / customer.Rate));
        }
    }

    // Favourites first (each with a fixed repeat probability), then products by overall popularity.
    private int NextCustomerProduct(CustomerProfile customer, ref int favourite)
    {
        while (favourite < customer.Favourites.Length)
        {
            var candidate = customer.Favourites[favourite++];
            if (_baskets.NextDouble() < RepeatPurchaseProbability && _inInvoice.Add(candidate))
            {
                return candidate;
            }
        }

        return NextPopularProduct(_baskets);
    }

    // A product by popularity, drawn again once when the invoice already has it: popular items still repeat now and
    // then (a scanned-twice line), about as often as in the real data.
    private int NextPopularProduct(Random random)
    {
        var index = _catalog.SampleIndex(random);
        if (!_inInvoice.Add(index))
        {
            index = _catalog.SampleIndex(random);
            _inInvoice.Add(index);
        }

        return index;
    }

    private void PlanReturn(int customer, double at)
    {
        if (_returnable.Count == 0 || _returns.NextDouble() >= _options.ReturnProbability)
        {
            return;
        }

        var lines = Math.Min(_returnable.Count, 1 + _returns.NextGeometric(1 - ExtraReturnLineProbability));
        var returned = new ReturnedItem[lines];
        for (var i = 0; i < lines; i++)
        {
            // Partial Fisher–Yates: distinct purchased lines.
            var pick = _returns.Next(i, _returnable.Count);
            (_returnable[i], _returnable[pick]) = (_returnable[pick], _returnable[i]);
            var bought = _returnable[i];
            var quantity = _returns.NextDouble() < 0.5 ? bought.Quantity : _returns.Next(1, bought.Quantity + 1);
            returned[i] = bought with { Quantity = quantity };
        }

        Schedule(new ScheduledEvent(EventKind.Return, customer, Returned: returned), at + _returns.NextLogNormal(ReturnDelayMedianDays, ReturnDelaySigma));
    }

    private void Return(int index, ReturnedItem[] items, double at, DateTime date)
    {
        var customer = _customers[index];
        var invoiceNo = NextInvoiceNo(cancellation: true);
        foreach (var item in items)
        {
            // A dirty return is settled as a discount of the same value instead (stock code D, as in the real data).
            _invoice.Add(_dirty.NextDouble() < _options.DirtyLineShare
                ? new SyntheticLine(invoiceNo, "D", "Discount", -1, date, item.Quantity * item.UnitPrice, customer.Id, customer.Country)
                : new SyntheticLine(invoiceNo, item.Product.StockCode, item.Product.Description, -item.Quantity, date, item.UnitPrice, customer.Id, customer.Country));
        }

        CreditGuestLines(items.Length, at);
    }

    private void Guest(int size, double at, DateTime date)
    {
        var invoiceNo = NextInvoiceNo(cancellation: false);
        var country = GuestShoppers.NextCountry(_guests);
        _inInvoice.Clear();
        for (var i = 0; i < size; i++)
        {
            var product = _catalog[NextPopularProduct(_guests)];
            var price = product.GuestPriceAt(at);
            _invoice.Add(_dirty.NextDouble() < _options.DirtyLineShare
                ? DirtyLine(invoiceNo, date, product, price, null, country)
                : new SyntheticLine(invoiceNo, product.StockCode, product.Description, GuestShoppers.NextQuantity(product, _guests), date, price, null, country));
        }
    }

    // Guest invoices keep their lines at the configured share of all lines: every customer line earns credit, and a
    // guest invoice is scheduled shortly after whenever the credit covers the next guest basket.
    private void CreditGuestLines(int customerLines, double at)
    {
        _guestLineCredit += customerLines * _guestLinesPerCustomerLine;
        while (_guestLineCredit >= _nextGuestSize)
        {
            _guestLineCredit -= _nextGuestSize;
            Schedule(new ScheduledEvent(EventKind.Guest, -1, GuestLines: _nextGuestSize), at + _guests.NextExponential(GuestDelayMeanDays));
            _nextGuestSize = GuestShoppers.NextBasketSize(_guests);
        }
    }

    private SyntheticLine DirtyLine(string invoiceNo, DateTime date, Product product, decimal price, string? customerId, string country) =>
        DirtyKinds.Sample(_dirty) switch
        {
            DirtyLineKind.Postage => new(invoiceNo, "POST", "POSTAGE", _dirty.Next(1, 4), date, PostagePrices[_dirty.Next(PostagePrices.Length)], customerId, country),
            DirtyLineKind.Manual => new(invoiceNo, "M", "Manual", 1, date, price, customerId, country),
            DirtyLineKind.ZeroPrice => new(invoiceNo, product.StockCode, product.Description, _dirty.Next(1, 13), date, 0m, customerId, country),
            DirtyLineKind.ZeroQuantity => new(invoiceNo, product.StockCode, product.Description, 0, date, price, customerId, country),
            _ => new(invoiceNo, product.StockCode, product.Description, product.PackSize, date, price, customerId, "Unspecified"),
        };

    private string NextInvoiceNo(bool cancellation)
    {
        var number = _nextInvoiceNumber++.ToString(CultureInfo.InvariantCulture);
        return cancellation ? "C" + number : number;
    }

    // Events past the end of the window never happen.
    private void Schedule(ScheduledEvent scheduled, double at)
    {
        if (at < _calendar.TotalActivity)
        {
            _queue.Enqueue(scheduled, (at, _sequence++));
        }
    }
}
