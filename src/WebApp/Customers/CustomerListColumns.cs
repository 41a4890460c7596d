using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Customers.CustomerList.CustomerRow;

namespace CollabEditor.WebApp.Customers;

/// <summary>The customer list's sort and search, as <see cref="Data.Customers.CustomerStore.ListAsync"/> applies them.</summary>
public sealed class CustomerListColumns : GridColumns<Row>
{
    public static CustomerListColumns Instance { get; } = new();

    public override Row WithHolder(Row row, string? holder) => row with { CheckedOutBy = holder };

    public override ListSort<Row> Sort(string? sortBy, bool descending) => (sortBy, descending) switch
    {
        (nameof(Row.Email), _) => new(r => r.Email, descending),
        (nameof(Row.Version), _) => new(r => r.Version, descending),
        (nameof(Row.LastChangedAt), _) => new(r => r.LastChangedAt, descending),
        (nameof(Row.LastChangedBy), _) => new(r => r.LastChangedBy, descending),
        // Name is the store's default sort, either way (Phone has no index and is not sortable).
        _ => new(r => r.Name, descending),
    };

    public override IEnumerable<string> SearchedText(Row row) => [row.Name, row.Email];
}
