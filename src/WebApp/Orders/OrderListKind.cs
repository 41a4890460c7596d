using CollabEditor.Core.Changes;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Lists;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Orders.OrderList.OrderRow;

namespace CollabEditor.WebApp.Orders;

/// <summary>Orders in the list shell: by number, searched by number or customer; no delete (an order is cancelled).</summary>
public sealed class OrderListKind(OrderStore store, LiveLists lists)
    : ListKind<OrderSummary, Row>(ResourceKey.Order, OrderListColumns.Instance, "Number or customer", "Number", r => r.Number)
{
    public override Row ToRow(OrderSummary item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<IListPage<OrderSummary>> ListAsync(ListRequest request, CancellationToken ct) =>
        await store.ListAsync(new OrderQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);

    public override IDisposable Subscribe(Func<ListChanges<OrderSummary>, Task> handler) => lists.SubscribeOrders(handler);
}
