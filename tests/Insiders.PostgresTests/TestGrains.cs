using System.Collections.Concurrent;
using Orleans.Placement;

namespace Insiders.PostgresTests;

/// <summary>Names shared by the test silos and the test grains.</summary>
public static class TestNames
{
    public const string Storage = "pg";
}

[GenerateSerializer, Alias("insiders.tests.note-state")]
public sealed class NoteState
{
    [Id(0)] public string? Text { get; set; }

    [Id(1)] public int Writes { get; set; }
}

/// <summary>Operations of a grain holding one persisted <see cref="NoteState"/>.</summary>
[Alias("insiders.tests.INoteGrain")]
public interface INoteGrain : IGrain
{
    [Alias("Write")] Task<int> WriteAsync(string text);

    [Alias("Read")] Task<string?> ReadAsync();

    [Alias("Clear")] Task ClearAsync();

    [Alias("Deactivate")] Task DeactivateAsync();

    /// <summary>A value unique to the current activation, to see a deactivation happen.</summary>
    [Alias("Activation")] Task<Guid> ActivationAsync();
}

[Alias("insiders.tests.IStringNoteGrain")]
public interface IStringNoteGrain : INoteGrain, IGrainWithStringKey;

[Alias("insiders.tests.IIntegerNoteGrain")]
public interface IIntegerNoteGrain : INoteGrain, IGrainWithIntegerKey;

public abstract class NoteGrainBase(IPersistentState<NoteState> state) : Grain, INoteGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> WriteAsync(string text)
    {
        state.State.Text = text;
        state.State.Writes++;
        await state.WriteStateAsync();
        return state.State.Writes;
    }

    public Task<string?> ReadAsync() => Task.FromResult(state.State.Text);

    public Task ClearAsync() => state.ClearStateAsync();

    public Task DeactivateAsync()
    {
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<Guid> ActivationAsync() => Task.FromResult(_activation);
}

public sealed class StringNoteGrain([PersistentState("note", TestNames.Storage)] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IStringNoteGrain;

public sealed class IntegerNoteGrain([PersistentState("note", TestNames.Storage)] IPersistentState<NoteState> state)
    : NoteGrainBase(state), IIntegerNoteGrain;

/// <summary>Placed on the silo whose grain factory first calls it; reports where it runs and can call another.</summary>
[Alias("insiders.tests.IWhereGrain")]
public interface IWhereGrain : IGrainWithStringKey
{
    [Alias("Silo")] Task<string> SiloAsync();

    [Alias("SiloOf")] Task<string> SiloOfAsync(string otherKey);
}

[PreferLocalPlacement]
public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());

    public Task<string> SiloOfAsync(string otherKey) => GrainFactory.GetGrain<IWhereGrain>(otherKey).SiloAsync();
}

/// <summary>One reminder tick as the grain saw it.</summary>
public sealed record ReminderFiring(string GrainKey, string Reminder, string Silo, DateTime TickTime);

[Alias("insiders.tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Start")] Task StartAsync(TimeSpan period);

    [Alias("Stop")] Task StopAsync();
}

/// <summary>Registers a reminder and records every tick it receives in <see cref="Firings"/>.</summary>
public sealed class ReminderProbeGrain(ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "probe";

    /// <summary>Every silo of every test cluster runs in this process, so one collection sees all ticks.</summary>
    public static ConcurrentQueue<ReminderFiring> Firings { get; } = new();

    public Task StartAsync(TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, period, period);

    public async Task StopAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Firings.Enqueue(new ReminderFiring(this.GetPrimaryKeyString(), reminderName, silo.SiloAddress.ToParsableString(), status.CurrentTickTime));
        return Task.CompletedTask;
    }
}
