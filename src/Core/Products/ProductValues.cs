using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Products;

/// <summary>The editable values of a product: what a user types and what a merge compares.</summary>
public sealed record ProductValues(string Sku, string Name, string Description, decimal Price, int Stock, bool RequiresCheckout)
{
    /// <summary>The fields a three-way merge compares, in form order.</summary>
    public static IReadOnlyList<MergeField<ProductValues>> Fields { get; } =
    [
        new(nameof(Sku), "SKU", typeof(string), p => p.Sku, (p, v) => p with { Sku = (string)v! }),
        new(nameof(Name), "Name", typeof(string), p => p.Name, (p, v) => p with { Name = (string)v! }),
        new(nameof(Description), "Description", typeof(string), p => p.Description, (p, v) => p with { Description = (string)v! }),
        new(nameof(Price), "Price", typeof(decimal), p => p.Price, (p, v) => p with { Price = (decimal)v! }),
        new(nameof(Stock), "Stock", typeof(int), p => p.Stock, (p, v) => p with { Stock = (int)v! }),
        new(nameof(RequiresCheckout), "Requires check-out", typeof(bool), p => p.RequiresCheckout, (p, v) => p with { RequiresCheckout = (bool)v! }),
    ];

    /// <summary>Values trimmed the way they are stored.</summary>
    public ProductValues Normalized() => this with
    {
        Sku = (Sku ?? string.Empty).Trim().ToUpperInvariant(),
        Name = (Name ?? string.Empty).Trim(),
        Description = (Description ?? string.Empty).Trim(),
    };
}
