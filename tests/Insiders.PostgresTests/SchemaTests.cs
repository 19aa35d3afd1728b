using Insiders.Storage.Postgres;
using Insiders.Transactions;

namespace Insiders.PostgresTests;

public sealed class SchemaTests(PostgresServer server)
{
    private static readonly string[] s_clusteringKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey",
    ];

    private static readonly string[] s_persistenceKeys = ["ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey"];

    private static readonly string[] s_reminderKeys =
    [
        "DeleteReminderRowKey", "DeleteReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "ReadReminderRowsKey", "UpsertReminderRowKey",
    ];

    [Fact]
    public void ScriptNames_AreTheFourOrleansScriptsInOrder()
    {
        Assert.Equal(
            ["01-orleans-base.sql", "02-orleans-clustering.sql", "03-orleans-persistence.sql", "04-orleans-reminders.sql"],
            PostgresSchema.ScriptNames.Where(n => n.Contains("-orleans-", StringComparison.Ordinal)));
        Assert.Equal(PostgresSchema.ScriptNames.Order(StringComparer.Ordinal), PostgresSchema.ScriptNames);
    }

    [Fact]
    public async Task ApplyAsync_EmptyDatabase_CreatesTablesAndEveryProviderQuery()
    {
        await using var db = await TestDatabase.CreateAsync(server, "schema");

        var keys = (await db.RowsAsync("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey")).Select(r => (string)r[0]!).ToArray();
        Assert.Equal(s_clusteringKeys.Concat(s_persistenceKeys).Concat(s_reminderKeys).Order(StringComparer.Ordinal), keys);

        var tables = (await db.RowsAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'orleans%' ORDER BY 1"))
            .Select(r => (string)r[0]!);
        Assert.Equal(["orleansmembershiptable", "orleansmembershipversiontable", "orleansquery", "orleansreminderstable", "orleansstorage"], tables);
    }

    [Fact]
    public async Task ApplyAsync_LargeBinaryColumns_CompressWithLz4_AlsoOnATableCreatedBefore()
    {
        // The test server is Debian's PostgreSQL 15, built with lz4 (a server without it keeps pglz).
        await using var db = await TestDatabase.CreateAsync(server, "schema");
        const string Methods = """
            SELECT attcompression::text FROM pg_attribute
             WHERE (attrelid, attname) IN (('orleansstorage'::regclass, 'payloadbinary'), ('insiders_journal'::regclass, 'payload'))
            """;
        Assert.Equal(["l", "l"], (await db.RowsAsync(Methods)).Select(r => (string)r[0]!));

        // A database whose tables an earlier version created with the default method gets lz4 at the next apply.
        await db.ScalarAsync<int>("ALTER TABLE insiders_journal ALTER COLUMN payload SET COMPRESSION pglz; SELECT 1");
        await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);
        Assert.Equal(["l", "l"], (await db.RowsAsync(Methods)).Select(r => (string)r[0]!));

        var journal = new PostgresTransactionJournal(db.DataSource);
        var lines = Enumerable.Range(0, 2_000)
            .Select(i => new TransactionLine((ulong)i, "536365", "85123A", 6, new DateTime(2011, 1, 1).AddMinutes(i), 2.55m, "17850", "United Kingdom"))
            .ToArray();
        var seq = await journal.AppendAsync("w", lines, TestContext.Current.CancellationToken);
        Assert.Equal("lz4", await db.ScalarAsync<string>("SELECT pg_column_compression(payload) FROM insiders_journal WHERE seq = @s", ("s", seq)));
    }

    [Fact]
    public async Task ApplyAsync_TransactionsKeyedByCustomerAndLine_ATableWithTheEarlierKeyIsMigrated_RowsKept()
    {
        await using var db = await TestDatabase.CreateAsync(server, "schema");
        const string Key = """
            SELECT string_agg(a.attname, ',' ORDER BY k.ord)
              FROM pg_constraint c
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             WHERE c.conrelid = 'insiders_transactions'::regclass AND c.contype = 'p'
            """;
        const string Indexes = "SELECT count(*) FROM pg_indexes WHERE tablename = 'insiders_transactions'";
        Assert.Equal("customer_id,line_id", await db.ScalarAsync<string>(Key));
        Assert.Equal(1L, await db.ScalarAsync<long>(Indexes));

        // The table as an earlier version created it (key line_id, customer index), holding rows (its view goes with
        // the drop; the apply creates it again).
        await db.ScalarAsync<int>("""
            DROP TABLE insiders_transactions CASCADE;
            CREATE TABLE insiders_transactions
            (
                line_id bigint NOT NULL PRIMARY KEY, invoice_no text NOT NULL, stock_code text NOT NULL, quantity integer NOT NULL,
                invoice_date timestamp NOT NULL, unit_price numeric NOT NULL, customer_id text NOT NULL, country text NOT NULL,
                journal_seq bigint NOT NULL, received_at timestamptz NOT NULL
            );
            CREATE INDEX ix_insiders_transactions_customer ON insiders_transactions (customer_id, invoice_date);
            INSERT INTO insiders_transactions
            SELECT i, '5363' || i, '85123A', i, timestamp '2011-01-01' + i * interval '1 hour', 2.55, (17850 + i % 7)::text, 'United Kingdom', 1, now()
              FROM generate_series(1, 500) AS i;
            SELECT 1
            """);
        await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);
        Assert.Equal("customer_id,line_id", await db.ScalarAsync<string>(Key));
        Assert.Equal(1L, await db.ScalarAsync<long>(Indexes));
        Assert.Equal(500L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions"));
        Assert.Equal(125250L, await db.ScalarAsync<long>("SELECT sum(quantity) FROM bi_transactions"));

        // Applied again: nothing left to migrate, nothing lost.
        await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);
        Assert.Equal("customer_id,line_id", await db.ScalarAsync<string>(Key));
        Assert.Equal(500L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_transactions"));
    }

    [Fact]
    public async Task ApplyAsync_Twice_ChangesNothing()
    {
        await using var db = await TestDatabase.CreateAsync(server, "schema");
        await db.ScalarAsync<int>("INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES ('kept') RETURNING Version");
        var before = await db.RowsAsync("SELECT QueryKey, QueryText FROM OrleansQuery ORDER BY QueryKey");

        await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);

        var after = await db.RowsAsync("SELECT QueryKey, QueryText FROM OrleansQuery ORDER BY QueryKey");
        Assert.Equal(21, after.Count);
        Assert.Equal(before.Select(r => (r[0], r[1])), after.Select(r => (r[0], r[1])));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM OrleansMembershipVersionTable WHERE DeploymentId = 'kept'"));
    }

    [Fact]
    public async Task ApplyAsync_ChangedQueryText_IsRestoredOnReapply()
    {
        await using var db = await TestDatabase.CreateAsync(server, "schema");
        var original = await db.ScalarAsync<string>("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'ReadFromStorageKey'");
        await db.ScalarAsync<int>("UPDATE OrleansQuery SET QueryText = 'stale' WHERE QueryKey = 'ReadFromStorageKey' RETURNING 1");

        await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);

        Assert.Equal(original, await db.ScalarAsync<string>("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'ReadFromStorageKey'"));
    }

    [Fact]
    public async Task ApplyAsync_ConcurrentCallersOnEmptyDatabase_AllSucceed()
    {
        await using var db = await TestDatabase.CreateAsync(server, "schema", applySchema: false);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken)));

        Assert.Equal(21L, await db.ScalarAsync<long>("SELECT count(*) FROM OrleansQuery"));
    }
}
