using Insiders.Storage;

namespace Insiders.PostgresTests;

/// <summary>The Idempotency-Key registry on real PostgreSQL: first claim wins, also between concurrent claims.</summary>
public sealed class IdempotencyKeysTests(PostgresServer server)
{
    [Fact]
    public async Task Claim_FirstFingerprintWins_AlsoUnderConcurrentClaims()
    {
        await using var db = await TestDatabase.CreateAsync(server, "idemkeys");
        var keys = new PostgresIdempotencyKeys(db.DataSource);

        Assert.Equal("aaa", await keys.ClaimAsync("k1", "aaa", TestContext.Current.CancellationToken));
        Assert.Equal("aaa", await keys.ClaimAsync("k1", "aaa", TestContext.Current.CancellationToken));
        Assert.Equal("aaa", await keys.ClaimAsync("k1", "bbb", TestContext.Current.CancellationToken));

        // 16 clients race for each of 20 fresh keys with their own fingerprints: every client is told the same owner,
        // and it is one of the contenders (no null, no second row).
        for (var k = 0; k < 20; k++)
        {
            var key = $"race-{k}";
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => keys.ClaimAsync(key, $"f{i}", TestContext.Current.CancellationToken))));
            Assert.Single(answers.Distinct());
            Assert.Matches("^f[0-9]+$", answers[0]);
        }

        Assert.Equal(21L, await db.ScalarAsync<long>("SELECT count(*) FROM insiders_idempotency_keys"));
    }
}
