namespace Insiders.Ingestion;

/// <summary>Outcome of one ingestion call: lines journaled and delivered, and lines already known (re-deliveries).</summary>
public sealed record IngestResult(int Accepted, int AlreadyKnown, long JournalSequence);
