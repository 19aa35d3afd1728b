using Insiders.Storage.Postgres;
using Insiders.Transactions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Insiders.PostgresTests;

/// <summary>
/// The projector from the journal into <c>insiders_transactions</c> on real PostgreSQL: a batch of new lines is copied
/// as it is; a batch holding lines already stored (sent twice, or expanded again after a crash lost its mark), or one
/// line twice, is merged without them. Expected rows come from the lines written, not from the projector.
/// </summary>
public sealed class TransactionProjectorTests(PostgresServer server)
{
    [Fact]
    public async Task Drain_BatchesWithLinesAlreadyStored_StoresEachLineIdOnceWithItsFirstBatch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "projector");
        var journal = new PostgresTransactionJournal(db.DataSource);
        var projector = new TransactionProjector(db.DataSource, NullLogger<TransactionProjector>.Instance);

        var first = Lines(0, 500);
        var overlapping = Lines(400, 300);      // 100 lines of the first batch, 200 new ones
        var repeated = Lines(1_000, 10);
        repeated = [.. repeated, repeated[3]];  // one line twice in the same batch

        var seq1 = await journal.AppendAsync("writer-a", first, ct);
        Assert.Equal(1, await projector.DrainAsync(ct));
        var seq2 = await journal.AppendAsync("writer-b", overlapping, ct);
        var seq3 = await journal.AppendAsync("writer-a", repeated, ct);
        Assert.Equal(2, await projector.DrainAsync(ct));

        // A crash after the insert but before the mark: the batch is claimed and expanded again.
        await db.ScalarAsync<int>("UPDATE insiders_journal SET projected = false WHERE seq = @s RETURNING 1", ("s", seq2));
        Assert.Equal(1, await projector.DrainAsync(ct));
        Assert.Equal(0, await projector.DrainAsync(ct));

        var expected = first.Concat(overlapping).Concat(repeated).DistinctBy(l => l.LineId).ToList();
        Assert.Equal(expected.Count, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM (SELECT line_id FROM insiders_transactions GROUP BY line_id HAVING count(*) > 1) d"));
        Assert.Equal(expected.Sum(l => l.LineValue), await db.ScalarAsync<decimal>("SELECT sum(quantity * unit_price) FROM insiders_transactions"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_journal WHERE NOT projected"));

        // A line keeps the batch that first stored it; the overlap's new lines belong to the second batch.
        Assert.Equal(500L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions WHERE journal_seq = @s", ("s", seq1)));
        Assert.Equal(200L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions WHERE journal_seq = @s", ("s", seq2)));
        Assert.Equal(10L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions WHERE journal_seq = @s", ("s", seq3)));

        // Every column survives the copy.
        var probe = overlapping[250];
        var row = Assert.Single(await db.RowsAsync(
            "SELECT invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id, country FROM insiders_transactions WHERE line_id = @id",
            ("id", unchecked((long)probe.LineId))));
        Assert.Equal(new object?[] { probe.InvoiceNo, probe.StockCode, probe.Quantity, probe.InvoiceDate, probe.UnitPrice, probe.CustomerId, probe.Country }, row);
    }

    private static TransactionLine[] Lines(int from, int count) =>
        Enumerable.Range(from, count)
            .Select(i => new TransactionLine(
                LineIdentity.For("projector-test.csv", i),
                $"5{i / 7:D5}",
                $"SKU{i % 13}",
                i % 11 == 0 ? -2 : 1 + i % 5,
                new DateTime(2011, 1, 1, 8, 0, 0, DateTimeKind.Unspecified).AddMinutes(i),
                1.25m + i % 9 * 0.5m,
                $"C{i % 17}",
                i % 3 == 0 ? "France" : "United Kingdom"))
            .ToArray();
}
