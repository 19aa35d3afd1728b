namespace Insiders.Synthetic;

/// <summary>What a <see cref="ScheduledEvent"/> produces when its time comes.</summary>
internal enum EventKind
{
    /// <summary>A customer's purchase invoice.</summary>
    Purchase,

    /// <summary>A customer's cancellation invoice returning part of an earlier purchase.</summary>
    Return,

    /// <summary>A guest invoice (no customer id).</summary>
    Guest,
}
