using Insiders.Features;

namespace Insiders.Customers;

/// <summary>What a customer tells its shard: its day history and its current classification.</summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-report")]
public sealed record CustomerReport(CustomerHistory History, long Revision, long ModelVersion, int? SegmentId, bool? IsInsider, int NewLines);
