using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Products.ProductList.ProductRow;

namespace CollabEditor.WebApp.Products;

/// <summary>The products list's sort and search, as <see cref="Data.Products.ProductStore.ListAsync"/> applies them.</summary>
public sealed class ProductListColumns : GridColumns<Row>
{
    public static ProductListColumns Instance { get; } = new();

    public override Row WithHolder(Row row, string? holder) => row with { CheckedOutBy = holder };

    public override ListSort<Row> Sort(string? sortBy, bool descending) => (sortBy, descending) switch
    {
        (nameof(Row.Name), _) => new(r => r.Name, descending),
        (nameof(Row.Price), _) => new(r => r.Price, descending),
        (nameof(Row.Stock), _) => new(r => r.Stock, descending),
        (nameof(Row.Version), _) => new(r => r.Version, descending),
        (nameof(Row.LastChangedAt), _) => new(r => r.LastChangedAt, descending),
        (nameof(Row.LastChangedBy), _) => new(r => r.LastChangedBy, descending),
        // SKU is the store's default sort, either way.
        _ => new(r => r.Sku, descending),
    };

    public override IEnumerable<string> SearchedText(Row row) => [row.Sku, row.Name];
}
