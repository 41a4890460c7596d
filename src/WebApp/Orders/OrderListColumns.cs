using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Orders.OrderList.OrderRow;

namespace CollabEditor.WebApp.Orders;

/// <summary>The orders list's sort and search, as <see cref="Data.Orders.OrderStore.ListAsync"/> applies them.</summary>
public sealed class OrderListColumns : GridColumns<Row>
{
    public static OrderListColumns Instance { get; } = new();

    public override Row WithHolder(Row row, string? holder) => row with { CheckedOutBy = holder };

    public override ListSort<Row> Sort(string? sortBy, bool descending) => (sortBy, descending) switch
    {
        (nameof(Row.CustomerName), _) => new(r => r.CustomerName, descending),
        // The status is stored as its name: the database's order of the names is not the enum's.
        (nameof(Row.Status), _) => new(r => r.Status, descending, Reproducible: false),
        (nameof(Row.LineCount), _) => new(r => r.LineCount, descending),
        (nameof(Row.Total), _) => new(r => r.Total, descending),
        (nameof(Row.Version), _) => new(r => r.Version, descending),
        (nameof(Row.LastChangedAt), _) => new(r => r.LastChangedAt, descending),
        (nameof(Row.LastChangedBy), _) => new(r => r.LastChangedBy, descending),
        // Numbers come from a sequence: the store sorts them by id (its default sort, either way).
        _ => new(r => r.Id, descending),
    };

    public override IEnumerable<string> SearchedText(Row row) => [row.Number, row.CustomerName];
}
