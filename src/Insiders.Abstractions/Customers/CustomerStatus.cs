using Insiders.Clustering;
using Insiders.Features;

namespace Insiders.Customers;

/// <summary>A customer's live status. <see cref="Features"/> is null when the customer has no purchases.</summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-status")]
public sealed record CustomerStatus(
    string CustomerId,
    bool Known,
    DateOnly AsOf,
    CustomerFeatures? Features,
    long ModelVersion,
    int? SegmentId,
    bool IsInsider,
    DateTimeOffset? InsiderSince,
    DateTimeOffset? StatusSince,
    Assignment? Why,
    int Lines);
