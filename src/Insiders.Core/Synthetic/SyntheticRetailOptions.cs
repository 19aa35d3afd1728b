namespace Insiders.Synthetic;

/// <summary>
/// Settings of <see cref="SyntheticRetailGenerator"/>. The defaults give about a year of a 5,000-customer gift wholesaler,
/// shaped like the UCI "Online Retail" data (about 550,000 lines; lines scale with customers × days).
/// </summary>
public sealed class SyntheticRetailOptions
{
    /// <summary>Largest accepted <see cref="Customers"/>.</summary>
    public const int MaxCustomers = 2_000_000;

    /// <summary>Largest accepted <see cref="Products"/>.</summary>
    public const int MaxProducts = 50_000;

    /// <summary>Largest accepted <see cref="Days"/> (100 years).</summary>
    public const int MaxDays = 36_500;

    /// <summary>Largest accepted <see cref="MissingCustomerIdShare"/>.</summary>
    public const double MaxMissingCustomerIdShare = 0.9;

    /// <summary>Largest accepted <see cref="DirtyLineShare"/>.</summary>
    public const double MaxDirtyLineShare = 0.5;

    /// <summary>Seed of every random choice: the same options always give the same lines.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Distinct customers who buy in the window. Each makes a first purchase inside it; some already exist at
    /// <see cref="Start"/>, the others are acquired over time.</summary>
    public int Customers { get; init; } = 5_000;

    /// <summary>First day of the window (a date at midnight).</summary>
    public DateTime Start { get; init; } = new(2010, 12, 1);

    /// <summary>Length of the window in days: invoice dates fall in [<see cref="Start"/>, <see cref="Start"/> + <see cref="Days"/>).</summary>
    public int Days { get; init; } = 365;

    /// <summary>Size of the product catalogue.</summary>
    public int Products { get; init; } = 3_000;

    /// <summary>Share of all lines that have no CustomerID (guest checkouts). The real data has 0.29.</summary>
    public double MissingCustomerIdShare { get; init; } = 0.25;

    /// <summary>
    /// Probability that a customer's purchase invoice is followed by a cancellation invoice ("C" + number, negative
    /// quantities) returning part of it. The real data: 16% of invoices are cancellations, carrying 2% of the lines.
    /// </summary>
    public double ReturnProbability { get; init; } = 0.2;

    /// <summary>
    /// Share of lines made "dirty" for cleaning-rule demos: postage or manual stock codes, price 0, quantity 0, country
    /// "Unspecified" (and discount lines on cancellations). They stay well-formed CSV.
    /// </summary>
    public double DirtyLineShare { get; init; } = 0.005;

    /// <summary>Share of customers who buy like wholesalers: larger baskets, many packs per line, more often.</summary>
    public double WholesaleCustomerShare { get; init; } = 0.03;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        RequireRange(Customers, 1, MaxCustomers, nameof(Customers));
        RequireRange(Products, 1, MaxProducts, nameof(Products));
        RequireRange(Days, 1, MaxDays, nameof(Days));
        if (Start.TimeOfDay != TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Start), Start, $"{nameof(Start)} must be a date at midnight.");
        }

        if (Start > DateTime.MaxValue.AddDays(-Days))
        {
            throw new ArgumentOutOfRangeException(nameof(Start), Start, $"{nameof(Start)} + {nameof(Days)} must not pass {DateTime.MaxValue:yyyy-MM-dd}.");
        }

        RequireShare(MissingCustomerIdShare, MaxMissingCustomerIdShare, nameof(MissingCustomerIdShare));
        RequireShare(ReturnProbability, 1, nameof(ReturnProbability));
        RequireShare(DirtyLineShare, MaxDirtyLineShare, nameof(DirtyLineShare));
        RequireShare(WholesaleCustomerShare, 1, nameof(WholesaleCustomerShare));
    }

    private static void RequireRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min:N0} and {max:N0}; got {value:N0}.");
        }
    }

    private static void RequireShare(double value, double max, string name)
    {
        if (!(value >= 0 && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and {max}; got {value}.");
        }
    }
}
