using Insiders.Features;

namespace Insiders.Silo.Api.Contracts;

/// <summary>A customer's live status.</summary>
/// <param name="InsiderSince">When the customer last entered the Insiders (null when not one).</param>
/// <param name="StatusSince">When the customer's segment last changed.</param>
/// <param name="AsOf">The clock date the features are measured at.</param>
public sealed record CustomerDto(
    string CustomerId,
    bool IsInsider,
    int? SegmentId,
    DateTimeOffset? InsiderSince,
    DateTimeOffset? StatusSince,
    long ModelVersion,
    DateOnly AsOf,
    int Lines,
    CustomerFeatures? Features,
    WhyDto? Why);

/// <summary>Why the customer is (not) an Insider: distances to every segment centre in the model's feature space.</summary>
public sealed record WhyDto(
    int SegmentId,
    bool IsInsider,
    bool HeldByHysteresis,
    double HysteresisMargin,
    SegmentDistanceDto? NearestInsiderSegment,
    SegmentDistanceDto? NearestOtherSegment,
    string Explanation,
    IReadOnlyList<SegmentDistanceDto> Distances);

public sealed record SegmentDistanceDto(int SegmentId, bool IsInsider, double Distance);

/// <summary>A row of a customer list (the Insiders list, the customer search).</summary>
public sealed record CustomerRowDto(
    string CustomerId,
    int? SegmentId,
    bool IsInsider,
    decimal GrossRevenue,
    decimal NetRevenue,
    int QtyInvoices,
    int QtyProducts,
    int RecencyDays,
    double Frequency,
    double AvgTicket);

/// <summary>One page of a customer list.</summary>
public sealed record CustomerPageDto(long ModelVersion, DateOnly AsOf, int Total, int Page, int PageSize, IReadOnlyList<CustomerRowDto> Items);
