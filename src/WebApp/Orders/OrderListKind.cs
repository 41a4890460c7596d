using CollabEditor.Core.Changes;
using CollabEditor.Data.Orders;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Orders.OrderList.OrderRow;

namespace CollabEditor.WebApp.Orders;

/// <summary>Orders in the list shell: by number, searched by number or customer; no delete (an order is cancelled).</summary>
public sealed class OrderListKind(OrderStore store, LiveLists lists)
    : ListKind<OrderSummary, Row>(ResourceKey.Order, OrderListColumns.Instance, "Number or customer", "Number", r => r.Number)
{
    public override Row ToRow(OrderSummary item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<ListedPage<OrderSummary>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var p = await store.ListAsync(new OrderQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);
        return new(p.Items, p.TotalCount, p.TotalIsEstimate, p.Previous, p.Next, p.Last);
    }

    public override IDisposable Subscribe(Func<ListChanges<OrderSummary>, Task> handler) => lists.SubscribeOrders(handler);
}
