using System.Globalization;
using CollabEditor.Core.Editing;

namespace CollabEditor.Core.Orders;

/// <summary>
/// An order as an editor sees it: the header fields, then one part per line (<c>line-{lineId}</c>,
/// the name presence uses too), so a line someone else added, removed or changed is picked up or
/// merged as a whole while the lines I edited stay as I left them.
/// </summary>
public sealed class OrderShape : RecordShape<OrderValues>
{
    private const string LinePrefix = "line-";

    public static OrderShape Instance { get; } = new();

    /// <summary>The part (and presence field) name of one line.</summary>
    public static string LinePart(Guid lineId) => LinePrefix + lineId.ToString("D", CultureInfo.InvariantCulture);

    public override IEnumerable<string> Parts(OrderValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return OrderHeader.Fields.Select(f => f.Name).Concat(values.Lines.Select(l => LinePart(l.LineId)));
    }

    public override object? ValueOf(OrderValues values, string part)
    {
        ArgumentNullException.ThrowIfNull(values);
        return LineId(part) is { } id ? values.Lines.FirstOrDefault(l => l.LineId == id)
            // The customer is its name and its link together (as the merge sees it): a relink under the same name is a change.
            : part == nameof(OrderHeader.CustomerName) ? (values.Header.CustomerName, values.Header.CustomerId)
            : OrderHeader.Fields.Single(f => f.Name == part).Get(values.Header);
    }

    public override OrderValues WithValue(OrderValues values, string part, object? value)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (LineId(part) is not { } id)
        {
            return value is ValueTuple<string, int?> (var name, var customerId)
                ? values.WithHeader(values.Header with { CustomerName = name, CustomerId = customerId })
                : values.WithHeader(OrderHeader.Fields.Single(f => f.Name == part).With(values.Header, value));
        }

        return value switch
        {
            null => values.RemoveLine(id),
            OrderLine line when values.Lines.Any(l => l.LineId == id) => values.WithLine(line),
            OrderLine line => values with { Lines = [.. values.Lines, line] },
            _ => throw new ArgumentException($"A line part takes an {nameof(OrderLine)}.", nameof(value)),
        };
    }

    public override string Describe(string part, object? before, object? after) => (before, after) switch
    {
        (null, OrderLine added) => $"{added.Sku} (added)",
        (OrderLine removed, null) => $"{removed.Sku} (removed)",
        (OrderLine changed, _) => changed.Sku,
        _ => OrderHeader.Fields.Single(f => f.Name == part).Label,
    };

    private static Guid? LineId(string part) =>
        part.StartsWith(LinePrefix, StringComparison.Ordinal) && Guid.TryParse(part.AsSpan(LinePrefix.Length), out var id) ? id : null;
}
