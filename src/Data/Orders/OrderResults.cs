using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Lists;

namespace CollabEditor.Data.Orders;

/// <summary>What became of an order save (one transaction, the order row locked FOR UPDATE).</summary>
public abstract record OrderSaveResult
{
    private OrderSaveResult()
    {
    }

    /// <summary>Committed at a new version (or unchanged when nothing differed).</summary>
    public sealed record Saved(OrderSnapshot Current) : OrderSaveResult;

    /// <summary>Someone else saved first; <paramref name="Theirs"/> is what is there now. Nothing written.</summary>
    public sealed record Conflict(OrderSnapshot Theirs) : OrderSaveResult;

    /// <summary>The order no longer exists.</summary>
    public sealed record Deleted : OrderSaveResult;

    /// <summary>Someone else has the order checked out.</summary>
    public sealed record Locked(LeaseHolder Holder) : OrderSaveResult
    {
        public string Message => $"Checked out by {Holder.HolderName} until {Holder.ExpiresAt:u}.";
    }

    /// <summary>The caller presented the token of another user's live lease. Nothing written; the lease stays.</summary>
    public sealed record NotHolder(LeaseHolder Holder) : OrderSaveResult;

    /// <summary>The caller wrote under a lease that is no longer live. Nothing written.</summary>
    public sealed record LeaseLost : OrderSaveResult
    {
        public static string Message => "Your check-out has ended (expired, checked in or released by an administrator); nothing was saved.";
    }

    /// <summary>A rule is broken (values, status transition, read-only order). Nothing written.</summary>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : OrderSaveResult;
}

/// <summary>A page request for the orders list.</summary>
/// <remarks>As <see cref="Products.ProductQuery"/>: a <paramref name="Cursor"/> pages by keyset (its sort wins); a page number by OFFSET.</remarks>
public sealed record OrderQuery(string? Search = null, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25, ListCursor? Cursor = null);

/// <summary>One orders-list row: the header with derived line count and total.</summary>
public sealed record OrderSummary(int Id, string Number, string CustomerName, OrderStatus Status, int LineCount, decimal Total, int Version, string LastChangedBy, DateTimeOffset LastChangedAt);

/// <summary>One page of orders and the total that matched (the planner's estimate when <paramref name="TotalIsEstimate"/>).</summary>
public sealed record OrderPage(IReadOnlyList<OrderSummary> Items, int TotalCount, bool TotalIsEstimate = false,
    ListCursor? Previous = null, ListCursor? Next = null, ListCursor? Last = null) : IListPage<OrderSummary>;
