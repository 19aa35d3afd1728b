namespace Insiders.Synthetic;

/// <summary>Part of a purchased line to be returned: at most the bought quantity, at the price paid.</summary>
internal readonly record struct ReturnedItem(Product Product, int Quantity, decimal UnitPrice);
