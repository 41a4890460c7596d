using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Customers.CustomerList.CustomerRow;

namespace CollabEditor.WebApp.Customers;

/// <summary>Customers in the list shell: by name, searched by name or email, deleted from the list (their orders are unlinked).</summary>
public sealed class CustomerListKind(CustomerStore store, LiveLists lists) : ListKind<CustomerSnapshot, Row>
{
    public override ListColumns<Row> Columns => CustomerListColumns.Instance;

    public override string Title => "Customers";

    public override string Noun => "customer";

    public override string Href => "/customers";

    public override string SearchPlaceholder => "Name or email";

    public override string KeyTitle => "Name";

    public override Func<Row, object> KeySort { get; } = x => x.Name;

    public override string Label(Row row) => row.Name;

    public override string LeasePrefix => ResourceKey.Customer + "/";

    public override string KeyFor(int id) => ResourceKey.ForCustomer(id);

    public override Row ToRow(CustomerSnapshot item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<ListedPage<CustomerSnapshot>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var page = await store.ListAsync(new CustomerQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);
        return new(page.Items, page.TotalCount, page.TotalIsEstimate, page.Previous, page.Next, page.Last);
    }

    public override IDisposable Subscribe(Func<ListChanges<CustomerSnapshot>, Task> handler) => lists.SubscribeCustomers(handler);

    public override bool CanDelete => true;

    public override string DeleteQuestion(Row row) => base.DeleteQuestion(row) + " Its orders keep the name and lose the link.";

    public override Task<DeleteResult<CustomerSnapshot>> DeleteAsync(Row row, Actor actor) => store.DeleteAsync(row.Id, row.Version, actor);
}
