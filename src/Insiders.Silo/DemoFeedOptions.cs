namespace Insiders.Silo;

/// <summary>The synthetic feed of the main job (section <c>Insiders:Demo</c>).</summary>
public sealed class DemoFeedOptions
{
    public const string Section = "Insiders:Demo";

    /// <summary>Feed the service with synthetic transactions (on by default: the main job is a live demo).</summary>
    public bool Enabled { get; set; } = true;

    public int Seed { get; set; } = 42;

    public int Customers { get; set; } = 5_000;

    public int Days { get; set; } = 365;

    /// <summary>Lines ingested per second (the simulated calendar advances with them).</summary>
    public int LinesPerSecond { get; set; } = 20_000;
}
