using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.Data.Lists;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Products.ProductList.ProductRow;

namespace CollabEditor.WebApp.Products;

/// <summary>Products in the list shell: by SKU, searched by SKU or name, deleted from the list.</summary>
public sealed class ProductListKind(ProductStore store, LiveLists lists)
    : ListKind<ProductSnapshot, Row>(ResourceKey.Product, ProductListColumns.Instance, "SKU or name", "SKU", r => r.Sku)
{
    // The first list had it: field tests and users' scripts find the box by it.
    public override string SearchTestId => "search";

    public override string Described(Row row) => $"{row.Sku} ({row.Name})";

    public override Row ToRow(ProductSnapshot item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<IListPage<ProductSnapshot>> ListAsync(ListRequest request, CancellationToken ct) =>
        await store.ListAsync(new ProductQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);

    public override IDisposable Subscribe(Func<ListChanges<ProductSnapshot>, Task> handler) => lists.SubscribeProducts(handler);

    public override bool CanDelete => true;

    public override Task<DeleteResult<ProductSnapshot>> DeleteAsync(Row row, Actor actor) => store.DeleteAsync(row.Id, row.Version, actor);
}
