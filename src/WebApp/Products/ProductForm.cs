using CollabEditor.Core.Products;
using CollabEditor.WebApp.Editing;

namespace CollabEditor.WebApp.Products;

/// <summary>The mutable model the edit form binds to; converted to <see cref="ProductValues"/> to save or merge.</summary>
public sealed class ProductForm : IEditForm<ProductValues>
{
    public string Sku { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string Description { get; set; } = string.Empty;
    public decimal Price { get; set; }
    public int Stock { get; set; }
    public bool RequiresCheckout { get; set; }

    public ProductValues ToValues() => new(Sku, Name, Description, Price, Stock, RequiresCheckout);

    public void Load(ProductValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Sku = values.Sku;
        Name = values.Name;
        Description = values.Description;
        Price = values.Price;
        Stock = values.Stock;
        RequiresCheckout = values.RequiresCheckout;
    }
}
