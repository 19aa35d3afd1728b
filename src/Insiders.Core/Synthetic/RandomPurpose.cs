namespace Insiders.Synthetic;

/// <summary>
/// Each purpose draws from its own <see cref="Random"/>, so changing one knob (say, the dirty-line share) leaves the
/// other choices (products, customers, timing) as they were.
/// </summary>
internal enum RandomPurpose
{
    Catalogue = 1,
    Customers,
    Timing,
    Baskets,
    Returns,
    DirtyLines,
    Guests,
}
