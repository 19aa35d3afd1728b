using Insiders.Features;

namespace Insiders.Customers;

/// <summary>
/// What a customer tells its shard: its day history and its current classification. <see cref="Activation"/>
/// identifies the grain activation that produced it: when it changes between two calls, the activation in between was
/// lost (its silo died) along with any state not yet written, and the ingestion pipeline delivers its lines again.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-report")]
public sealed record CustomerReport(CustomerHistory History, long Revision, long ModelVersion, int? SegmentId, bool? IsInsider, int NewLines, Guid Activation);
