using CollabEditor.Core.Orders;

namespace CollabEditor.Data.Orders;

/// <summary>The orders table row: the aggregate root.</summary>
public sealed class Order : Lists.IListRow
{
    public int Id { get; set; }
    // Left null on insert so the database default (a sequence) assigns it.
    public string Number { get; set; } = null!;
    public string CustomerName { get; set; } = string.Empty;

    /// <summary>The linked customer, if any; <see cref="CustomerName"/> is its name as of the last save.</summary>
    public int? CustomerId { get; set; }

    public OrderStatus Status { get; set; }
    public string Notes { get; set; } = string.Empty;
    public int Version { get; set; }
    public string? LastChangedById { get; set; }
    public string LastChangedBy { get; set; } = string.Empty;
    public DateTimeOffset LastChangedAt { get; set; }

    /// <summary>The id of the save that wrote this version: a retried save whose commit was not acknowledged recognizes its own write.</summary>
    public Guid? LastSaveId { get; set; }

    /// <summary>How many lines the order has: written by every save with its lines, for the list's sort.</summary>
    public int LineCount { get; set; }

    /// <summary>Σ quantity × unit price of its lines: written by every save with its lines, for the list's sort.</summary>
    public decimal Total { get; set; }

    public List<OrderLineRow> Lines { get; set; } = [];

    public OrderHeader ToHeader() => new(CustomerName, Status, Notes, CustomerId);

    public OrderSnapshot ToSnapshot(IEnumerable<OrderLineRow> lines) =>
        new(Id, Number, new OrderValues(ToHeader(), [.. lines.OrderBy(l => l.Position).Select(l => l.ToLine())]), Version, LastChangedBy, LastChangedAt);
}

/// <summary>The order_lines table row. Reached only through its order.</summary>
public sealed class OrderLineRow
{
    public Guid Id { get; set; }
    public int OrderId { get; set; }
    public int Position { get; set; }
    public int ProductId { get; set; }
    public string Sku { get; set; } = string.Empty;
    public string ProductName { get; set; } = string.Empty;
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }

    public OrderLine ToLine() => new(Id, ProductId, Sku, ProductName, Quantity, UnitPrice);
}
