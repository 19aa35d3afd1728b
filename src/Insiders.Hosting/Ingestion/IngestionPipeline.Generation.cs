using Insiders.Customers;
using Insiders.Transactions;

namespace Insiders.Ingestion;

public sealed partial class IngestionPipeline
{
    /// <summary>
    /// What one checkpoint covers: the lines delivered since the previous capture, and per customer and per shard the
    /// activation known to hold everything this generation gave it. An activation id is only recorded by a call that
    /// gave the grain all of the generation's lines (reports) for it, or by a call to the activation already recorded;
    /// <see cref="Guid.Empty"/> means "unknown" (a delivery that failed, two generations merged whose records differ):
    /// no activation ever answers with it, so the next call or the checkpoint's flush sees a loss and delivers
    /// everything again. The pipeline owns one open generation (guarded by its gate); a checkpoint owns the one it
    /// captured (nobody else touches it).
    /// </summary>
    private sealed class Generation
    {
        public Dictionary<string, List<TransactionLine>> Lines { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Guid> Customers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, CustomerReport> Reports { get; } = new(StringComparer.Ordinal);

        public Dictionary<int, Guid> Shards { get; } = [];

        /// <summary>Customers asked again (all their lines) to restore a shard's reports, since the checkpoint's flush began.</summary>
        public HashSet<string> Refreshed { get; } = new(StringComparer.Ordinal);

        /// <summary>Dead writers whose batches this generation delivered again: writer → last sequence delivered.</summary>
        public Dictionary<string, long> Adopted { get; } = new(StringComparer.Ordinal);

        /// <summary>This writer's last journaled batch the generation covers (set when it is captured).</summary>
        public long Journaled { get; set; }

        public int Retained { get; set; }

        public void Keep(string customerId, List<TransactionLine> lines)
        {
            if (!Lines.TryGetValue(customerId, out var kept))
            {
                Lines[customerId] = kept = [];
            }

            kept.AddRange(lines);
        }

        /// <summary>
        /// Records a customer's answer; true when it shows a loss (an activation other than the recorded one took a
        /// partial delivery: it may lack this generation's earlier lines). <paramref name="complete"/>: the call carried
        /// all of the generation's lines for the customer, so whoever answered holds them.
        /// </summary>
        public bool Remember(CustomerReport report, bool complete)
        {
            var id = report.History.CustomerId;
            Reports[id] = report;
            var lost = !complete && Customers.TryGetValue(id, out var previous) && previous != report.Activation;
            Customers[id] = lost ? Guid.Empty : report.Activation;
            return lost;
        }

        /// <summary>As <see cref="Remember"/> for a shard's answer to a report call.</summary>
        public bool RememberShard(int shard, Guid activation, bool complete)
        {
            var lost = !complete && Shards.TryGetValue(shard, out var previous) && previous != activation;
            Shards[shard] = lost ? Guid.Empty : activation;
            return lost;
        }

        /// <summary>After a flush answered <paramref name="activation"/>: whether that activation held (so persisted) all of it.</summary>
        public bool Persisted(string customerId, Guid activation) =>
            Customers.TryGetValue(customerId, out var recorded) && recorded == activation;

        /// <summary>After a shard's flush: whether it persisted every report of this generation for it.</summary>
        public bool Persisted(int shard, Guid activation, bool hasReports) =>
            Shards.TryGetValue(shard, out var recorded) ? recorded == activation : !hasReports;

        /// <summary>A delivery that failed: nobody is known to hold these customers' lines any more.</summary>
        public void Forget(IEnumerable<string> customerIds, Func<string, int> shardOf)
        {
            foreach (var id in customerIds)
            {
                Customers[id] = Guid.Empty;
                Shards[shardOf(id)] = Guid.Empty;
            }
        }

        /// <summary>
        /// Takes in a newer generation (a checkpoint that failed goes back in front of the open generation; adopted
        /// batches join the captured one). A record survives only where it covers both generations' work: the same
        /// activation in both, or the other generation gave that grain nothing. Otherwise it becomes unknown.
        /// </summary>
        public void Absorb(Generation newer, Func<string, int> shardOf)
        {
            MergeRecords(Customers, id => Lines.ContainsKey(id), newer.Customers, id => newer.Lines.ContainsKey(id));
            var myShards = Reports.Keys.Select(shardOf).ToHashSet();
            var newerShards = newer.Reports.Keys.Select(shardOf).ToHashSet();
            MergeRecords(Shards, myShards.Contains, newer.Shards, newerShards.Contains);
            foreach (var (id, lines) in newer.Lines)
            {
                Keep(id, lines);
            }

            foreach (var (id, report) in newer.Reports)
            {
                if (!Reports.TryGetValue(id, out var older) || report.Supersedes(older))
                {
                    Reports[id] = report;
                }
            }

            foreach (var (dead, last) in newer.Adopted)
            {
                Adopted[dead] = Math.Max(last, Adopted.GetValueOrDefault(dead));
            }

            Journaled = Math.Max(Journaled, newer.Journaled);
            Retained += newer.Retained;
        }

        private static void MergeRecords<TKey>(Dictionary<TKey, Guid> mine, Func<TKey, bool> myWork, Dictionary<TKey, Guid> theirs, Func<TKey, bool> theirWork)
            where TKey : notnull
        {
            foreach (var key in mine.Keys.Where(k => !theirs.ContainsKey(k) && theirWork(k)).ToArray())
            {
                mine[key] = Guid.Empty;
            }

            foreach (var (key, activation) in theirs)
            {
                var covered = mine.TryGetValue(key, out var recorded) ? recorded == activation : !myWork(key);
                mine[key] = covered ? activation : Guid.Empty;
            }
        }
    }
}
