using CollabEditor.Core.Changes;
using CollabEditor.Data.Orders;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Orders.OrderList.OrderRow;

namespace CollabEditor.WebApp.Orders;

/// <summary>Orders in the list shell: by number, searched by number or customer; no delete (an order is cancelled).</summary>
public sealed class OrderListKind(OrderStore store, LiveLists lists) : ListKind<OrderSummary, Row>
{
    public override ListColumns<Row> Columns => OrderListColumns.Instance;

    public override string Title => "Orders";

    public override string Noun => "order";

    public override string Href => "/orders";

    public override string SearchPlaceholder => "Number or customer";

    public override string KeyTitle => "Number";

    public override Func<Row, object> KeySort { get; } = x => x.Number;

    public override string Label(Row row) => row.Number;

    public override string LeasePrefix => ResourceKey.Order + "/";

    public override string KeyFor(int id) => ResourceKey.ForOrder(id);

    public override Row ToRow(OrderSummary item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<ListedPage<OrderSummary>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var page = await store.ListAsync(new OrderQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);
        return new(page.Items, page.TotalCount, page.TotalIsEstimate, page.Previous, page.Next, page.Last);
    }

    public override IDisposable Subscribe(Func<ListChanges<OrderSummary>, Task> handler) => lists.SubscribeOrders(handler);
}
