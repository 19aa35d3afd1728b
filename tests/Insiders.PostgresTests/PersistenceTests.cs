using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace Insiders.PostgresTests;

/// <summary>Grain state through the ADO.NET grain storage on PostgreSQL: one silo for the whole class.</summary>
public sealed class PersistenceTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private IHost _silo = null!;

    public async ValueTask InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(server, "persistence");
        _silo = await TestSilos.StartSiloAsync(_db.ConnectionString, _db.ClusterId, _db.ServiceId);
    }

    public async ValueTask DisposeAsync()
    {
        await TestSilos.StopAllAsync(_silo);
        await _db.DisposeAsync();
    }

    [Theory]
    [InlineData("17850")]      // parses as hexadecimal: the provider stores it as an integer key
    [InlineData("cust-17850")] // stored as a string key
    public async Task StringKeyedGrain_WriteDeactivateRead_ReturnsPersistedState(string key)
    {
        var grain = _silo.Grains().GetGrain<IStringNoteGrain>(key);

        Assert.Equal(1, await grain.WriteAsync($"hello {key}"));
        Assert.Equal(2, await grain.WriteAsync($"again {key}"));
        await DeactivateAsync(grain);

        Assert.Equal($"again {key}", await grain.ReadAsync());
        Assert.Equal(2, await _db.ScalarAsync<int>(
            "SELECT Version FROM OrleansStorage WHERE ServiceId = @service AND convert_from(PayloadBinary, 'UTF8') LIKE @text",
            ("service", _db.ServiceId), ("text", $"%\"again {key}\"%")));
    }

    [Fact]
    public async Task StringKey_ParsingAsHex_IsStoredAsIntegerKeyWithoutExtension()
    {
        await _silo.Grains().GetGrain<IStringNoteGrain>("0c0ffee").WriteAsync("coffee");
        await _silo.Grains().GetGrain<IStringNoteGrain>("customer-c0ffee").WriteAsync("customer");

        var rows = await _db.RowsAsync(
            """
            SELECT GrainIdN1, GrainIdExtensionString FROM OrleansStorage
             WHERE ServiceId = @service AND convert_from(PayloadBinary, 'UTF8') ~ '"(coffee|customer)"'
             ORDER BY GrainIdExtensionString NULLS FIRST
            """,
            ("service", _db.ServiceId));
        Assert.Equal(2, rows.Count);
        Assert.Equal((0xc0ffeeL, (object?)null), ((long)rows[0][0]!, rows[0][1]));
        Assert.Equal("customer-c0ffee", rows[1][1]);
    }

    [Fact]
    public async Task IntegerKeyedGrain_WriteDeactivateRead_ReturnsPersistedState()
    {
        var grain = _silo.Grains().GetGrain<IIntegerNoteGrain>(17850);

        await grain.WriteAsync("integer");
        await DeactivateAsync(grain);

        Assert.Equal("integer", await grain.ReadAsync());
    }

    [Fact]
    public async Task ClearState_EmptiesStoredState_AndLaterWritesContinue()
    {
        var grain = _silo.Grains().GetGrain<IStringNoteGrain>("to-clear");
        await grain.WriteAsync("short-lived");

        await grain.ClearAsync();
        await DeactivateAsync(grain);

        Assert.Null(await grain.ReadAsync());
        Assert.Equal(1, await grain.WriteAsync("after clear")); // the state restarted from its default
        await DeactivateAsync(grain);
        Assert.Equal("after clear", await grain.ReadAsync());
    }

    [Fact]
    public async Task WriteState_WithStaleETag_ThrowsInconsistentStateException()
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(TestNames.Storage);
        var id = GrainId.Create("stringnote", "two-writers");
        var first = new GrainState<NoteState>();
        var second = new GrainState<NoteState>();
        await storage.ReadStateAsync("note", id, first);
        await storage.ReadStateAsync("note", id, second);

        // Both saw "no state yet": the first insert wins, the second is a conflict.
        first.State = new NoteState { Text = "first" };
        await storage.WriteStateAsync("note", id, first);
        second.State = new NoteState { Text = "second" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("note", id, second));

        // Both read version 1: the first update wins, the second is a conflict.
        await storage.ReadStateAsync("note", id, second);
        first.State.Text = "first again";
        await storage.WriteStateAsync("note", id, first);
        second.State.Text = "second again";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("note", id, second));

        // A stale clear is refused too, and the winner's state is what is stored.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("note", id, second));
        var stored = new GrainState<NoteState>();
        await storage.ReadStateAsync("note", id, stored);
        Assert.Equal(("first again", "2"), (stored.State?.Text, stored.ETag));
    }

    private static async Task DeactivateAsync(INoteGrain grain)
    {
        var before = await grain.ActivationAsync();
        await grain.DeactivateAsync();
        await ClusteringTests.WaitForAsync(grain.ActivationAsync, now => now != before, seconds: 10);
    }
}
