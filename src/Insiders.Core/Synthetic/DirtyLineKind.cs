namespace Insiders.Synthetic;

/// <summary>The kinds of dirty purchase line, each caught by one cleaning rule.</summary>
internal enum DirtyLineKind
{
    /// <summary>Stock code POST ("POSTAGE"), a non-product.</summary>
    Postage,

    /// <summary>Stock code M ("Manual"), a non-product.</summary>
    Manual,

    /// <summary>A product at price 0 (a free sample): below the minimum price.</summary>
    ZeroPrice,

    /// <summary>A product with quantity 0.</summary>
    ZeroQuantity,

    /// <summary>A product line whose country is "Unspecified".</summary>
    UnspecifiedCountry,
}
