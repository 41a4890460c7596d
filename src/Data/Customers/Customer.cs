using CollabEditor.Core.Customers;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Records;

namespace CollabEditor.Data.Customers;

/// <summary>The customers table row.</summary>
public sealed class Customer : IVersionedRow<CustomerValues, CustomerSnapshot>, IListRow
{
    public int Id { get; set; }
    public string Name { get; set; } = string.Empty;
    public string Email { get; set; } = string.Empty;
    public string Phone { get; set; } = string.Empty;
    public string Address { get; set; } = string.Empty;
    public string Notes { get; set; } = string.Empty;
    public int Version { get; set; }
    public string? LastChangedById { get; set; }
    public string LastChangedBy { get; set; } = string.Empty;
    public DateTimeOffset LastChangedAt { get; set; }

    /// <summary>The id of the save that wrote this version (unique: a retried create finds its own row by it).</summary>
    public Guid? LastSaveId { get; set; }

    /// <summary>Customers are checked out only by choice.</summary>
    bool IVersionedRow<CustomerValues, CustomerSnapshot>.RequiresCheckout => false;

    public CustomerValues ToValues() => new(Name, Email, Phone, Address, Notes);

    public CustomerSnapshot ToSnapshot() => new(Id, ToValues(), Version, LastChangedBy, LastChangedAt);
}

/// <summary>A page request for the customer list (see <see cref="Products.ProductQuery"/>: the same rules).</summary>
public sealed record CustomerQuery(string? Search = null, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25, ListCursor? Cursor = null);

/// <summary>One page of customers, its total and its cursors (see <see cref="Products.ProductPage"/>).</summary>
public sealed record CustomerPage(IReadOnlyList<CustomerSnapshot> Items, int TotalCount, bool TotalIsEstimate = false,
    ListCursor? Previous = null, ListCursor? Next = null, ListCursor? Last = null) : IListPage<CustomerSnapshot>;
