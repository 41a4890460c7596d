using CollabEditor.Core.Products;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Records;

namespace CollabEditor.Data.Products;

/// <summary>The products table row.</summary>
public sealed class Product : IVersionedRow<ProductValues, ProductSnapshot>, IListRow
{
    public int Id { get; set; }
    public string Sku { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string Description { get; set; } = string.Empty;
    public decimal Price { get; set; }
    public int Stock { get; set; }
    public bool RequiresCheckout { get; set; }
    public int Version { get; set; }
    public string? LastChangedById { get; set; }
    public string LastChangedBy { get; set; } = string.Empty;
    public DateTimeOffset LastChangedAt { get; set; }

    /// <summary>The id of the save that wrote this version: a retried save whose commit was not acknowledged recognizes its own write.</summary>
    public Guid? LastSaveId { get; set; }

    public ProductValues ToValues() => new(Sku, Name, Description, Price, Stock, RequiresCheckout);

    public ProductSnapshot ToSnapshot() => new(Id, ToValues(), Version, LastChangedBy, LastChangedAt);
}
