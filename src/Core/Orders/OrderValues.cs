using System.Text.Json.Serialization;
using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Orders;

/// <summary>Where an order is in its life. Fulfilled and Cancelled orders are read-only.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrderStatus>))]
public enum OrderStatus
{
    Draft,
    Submitted,
    Fulfilled,
    Cancelled,
}

/// <summary>
/// One line of an order: a product (its SKU and name copied when the line was added), a quantity
/// and a unit price (copied from the product, editable). Lines exist only inside their order and
/// are matched by <see cref="LineId"/> when merging.
/// </summary>
public sealed record OrderLine(Guid LineId, int ProductId, string Sku, string ProductName, int Quantity, decimal UnitPrice)
{
    public decimal LineTotal => Quantity * UnitPrice;

    /// <summary>The fields of a line a three-way merge compares.</summary>
    public static IReadOnlyList<MergeField<OrderLine>> Fields { get; } =
    [
        new(nameof(ProductId), "Product", typeof(int), l => l.ProductId, (l, v) => l with { ProductId = (int)v! }),
        new(nameof(Quantity), "Quantity", typeof(int), l => l.Quantity, (l, v) => l with { Quantity = (int)v! }),
        new(nameof(UnitPrice), "Unit price", typeof(decimal), l => l.UnitPrice, (l, v) => l with { UnitPrice = (decimal)v! }),
    ];
}

/// <summary>
/// The order header: what a user edits above the lines. <paramref name="CustomerId"/> optionally
/// links a customer; the store then copies that customer's name into <paramref name="CustomerName"/>
/// (as lines copy product names). Without a link the name is taken as given.
/// </summary>
public sealed record OrderHeader(string CustomerName, OrderStatus Status, string Notes, int? CustomerId = null)
{
    /// <summary>The header fields a three-way merge compares, in form order.</summary>
    public static IReadOnlyList<MergeField<OrderHeader>> Fields { get; } =
    [
        new(nameof(CustomerName), "Customer", typeof(string), h => h.CustomerName, (h, v) => h with { CustomerName = (string)v! }),
        new(nameof(Status), "Status", typeof(OrderStatus), h => h.Status, (h, v) => h with { Status = (OrderStatus)v! }),
        new(nameof(Notes), "Notes", typeof(string), h => h.Notes, (h, v) => h with { Notes = (string)v! }),
    ];

    public OrderHeader Normalized() => this with { CustomerName = (CustomerName ?? string.Empty).Trim(), Notes = (Notes ?? string.Empty).Trim() };
}

/// <summary>
/// The editable values of an order aggregate: header and lines, saved together under one version.
/// Immutable: every change returns a new value, so base, mine and theirs can be compared.
/// </summary>
public sealed record OrderValues(OrderHeader Header, IReadOnlyList<OrderLine> Lines)
{
    /// <summary>The order total, derived from the lines.</summary>
    public decimal Total => Lines.Sum(l => l.LineTotal);

    /// <summary>Adds a line for a product at its current price.</summary>
    public OrderValues AddLine(int productId, string sku, string productName, int quantity, decimal unitPrice) =>
        this with { Lines = [.. Lines, new OrderLine(Guid.NewGuid(), productId, sku, productName, quantity, unitPrice)] };

    /// <summary>Replaces the line with the same id.</summary>
    public OrderValues WithLine(OrderLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return this with { Lines = [.. Lines.Select(l => l.LineId == line.LineId ? line : l)] };
    }

    public OrderValues RemoveLine(Guid lineId) => this with { Lines = [.. Lines.Where(l => l.LineId != lineId)] };

    public OrderValues WithHeader(OrderHeader header) => this with { Header = header };

    /// <summary>Structural equality of the whole aggregate (records compare lists by reference).</summary>
    public bool SameAs(OrderValues? other) =>
        other is not null && Header == other.Header && Lines.SequenceEqual(other.Lines);
}

/// <summary>An order as committed: number, values, version, and who changed it last and when.</summary>
public sealed record OrderSnapshot(int Id, string Number, OrderValues Values, int Version, string LastChangedBy, DateTimeOffset LastChangedAt);
