namespace Insiders.Clustering;

/// <summary>The per-segment table data teams hand to marketing. Means are per customer of the segment.</summary>
[GenerateSerializer, Immutable, Alias("insiders.segment-profile")]
public sealed record SegmentProfile(
    int SegmentId,
    bool IsInsider,
    int Customers,
    double ShareOfCustomers,
    double ShareOfRevenue,
    double MeanGrossRevenue,
    double MeanNetRevenue,
    double MeanRecencyDays,
    double MeanFrequency,
    double MeanQtyInvoices,
    double MeanQtyProducts,
    double MeanReturnsValue,
    double MeanReturnRate,
    double MeanAvgTicket);
