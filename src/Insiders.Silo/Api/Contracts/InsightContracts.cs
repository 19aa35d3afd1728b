namespace Insiders.Silo.Api.Contracts;

/// <summary>The answers owed to marketing, from live data.</summary>
public sealed record InsightsDto(
    long ModelVersion,
    DateOnly AsOf,
    int Customers,
    int Insiders,
    double ShareOfCustomers,
    decimal Revenue,
    decimal InsidersRevenue,
    double InsidersShareOfRevenue,
    IReadOnlyList<CharacteristicDto> Characteristics,
    EntryRuleDto Entry,
    IReadOnlyList<MonthRevenueDto> RevenueByMonth);

/// <summary>A feature compared between the Insiders and everyone.</summary>
public sealed record CharacteristicDto(string Feature, double InsidersMean, double InsidersMedian, double EveryoneMean, double EveryoneMedian, double Ratio);

/// <summary>What it takes to enter and to leave.</summary>
/// <param name="Rule">How the model picks the Insider segments.</param>
/// <param name="HysteresisMargin">Relative margin: enter when an Insider centre is closer than every other centre by this much; leave when another is closer by this much.</param>
/// <param name="InsiderCentres">The centres of the Insider segments in natural units.</param>
/// <param name="Observed">Observed thresholds among current members: e.g. the lowest gross revenue of an Insider.</param>
public sealed record EntryRuleDto(
    string Rule,
    double HysteresisMargin,
    string Explanation,
    IReadOnlyList<SegmentCentreDto> InsiderCentres,
    IReadOnlyList<ThresholdDto> Observed);

public sealed record SegmentCentreDto(int SegmentId, int Customers, IReadOnlyDictionary<string, double> Centre);

/// <summary>A feature's range among the Insiders (10th/50th/90th percentile) and among the others.</summary>
public sealed record ThresholdDto(string Feature, double InsidersP10, double InsidersMedian, double InsidersP90, double OthersP90);

/// <summary>Gross purchase revenue in one calendar month: of today's Insiders, and of everyone.</summary>
public sealed record MonthRevenueDto(string Month, decimal InsidersRevenue, decimal Revenue, double InsidersShare);
