using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Products.ProductList.ProductRow;

namespace CollabEditor.WebApp.Products;

/// <summary>Products in the list shell: by SKU, searched by SKU or name, deleted from the list.</summary>
public sealed class ProductListKind(ProductStore store, LiveLists lists) : ListKind<ProductSnapshot, Row>
{
    public override ListColumns<Row> Columns => ProductListColumns.Instance;

    public override string Title => "Products";

    public override string Noun => "product";

    public override string Href => "/products";

    public override string SearchPlaceholder => "SKU or name";

    // The first list had it: field tests and users' scripts find the box by it.
    public override string SearchTestId => "search";

    public override string KeyTitle => "SKU";

    public override Func<Row, object> KeySort { get; } = x => x.Sku;

    public override string Label(Row row) => row.Sku;

    public override string Described(Row row) => $"{row.Sku} ({row.Name})";

    public override string LeasePrefix => ResourceKey.Product + "/";

    public override string KeyFor(int id) => ResourceKey.ForProduct(id);

    public override Row ToRow(ProductSnapshot item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<ListedPage<ProductSnapshot>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var page = await store.ListAsync(new ProductQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);
        return new(page.Items, page.TotalCount, page.TotalIsEstimate, page.Previous, page.Next, page.Last);
    }

    public override IDisposable Subscribe(Func<ListChanges<ProductSnapshot>, Task> handler) => lists.SubscribeProducts(handler);

    public override bool CanDelete => true;

    public override Task<DeleteResult<ProductSnapshot>> DeleteAsync(Row row, Actor actor) => store.DeleteAsync(row.Id, row.Version, actor);
}
