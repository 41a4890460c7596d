using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Lists;
using CollabEditor.WebApp.Lists;
using Row = CollabEditor.WebApp.Customers.CustomerList.CustomerRow;

namespace CollabEditor.WebApp.Customers;

/// <summary>Customers in the list shell: by name, searched by name or email, deleted from the list (their orders are unlinked).</summary>
public sealed class CustomerListKind(CustomerStore store, LiveLists lists)
    : ListKind<CustomerSnapshot, Row>(ResourceKey.Customer, CustomerListColumns.Instance, "Name or email", "Name", r => r.Name)
{
    public override Row ToRow(CustomerSnapshot item, TimeZoneInfo zone) => Row.From(item, null, zone);

    public override async Task<IListPage<CustomerSnapshot>> ListAsync(ListRequest request, CancellationToken ct) =>
        await store.ListAsync(new CustomerQuery(request.Search, request.SortBy, request.Descending, 0, request.PageSize, request.Cursor), ct);

    public override IDisposable Subscribe(Func<ListChanges<CustomerSnapshot>, Task> handler) => lists.SubscribeCustomers(handler);

    public override bool CanDelete => true;

    public override string DeleteQuestion(Row row) => base.DeleteQuestion(row) + " Its orders keep the name and lose the link.";

    public override Task<DeleteResult<CustomerSnapshot>> DeleteAsync(Row row, Actor actor) => store.DeleteAsync(row.Id, row.Version, actor);
}
