using CollabEditor.Core.Merging;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;

namespace CollabEditor.Core.History;

/// <summary>Pure diffs between two committed versions of a product or an order.</summary>
public static class HistoryDiff
{
    /// <summary>
    /// The fields of a line a diff shows. The product is shown by its SKU, which was copied with it,
    /// rather than by a bare product id.
    /// </summary>
    public static IReadOnlyList<MergeField<OrderLine>> LineFields { get; } =
    [
        new(nameof(OrderLine.Sku), "Product", typeof(string), l => l.Sku, (l, v) => l with { Sku = (string)v! }),
        new(nameof(OrderLine.Quantity), "Quantity", typeof(int), l => l.Quantity, (l, v) => l with { Quantity = (int)v! }),
        new(nameof(OrderLine.UnitPrice), "Unit price", typeof(decimal), l => l.UnitPrice, (l, v) => l with { UnitPrice = (decimal)v! }),
    ];

    /// <summary>The fields whose values differ between <paramref name="old"/> and <paramref name="new"/>, in field order.</summary>
    public static IReadOnlyList<FieldChange> Fields<T>(T old, T @new, IReadOnlyList<MergeField<T>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return [.. fields
            .Select(f => new FieldChange(f.Name, f.Label, f.Get(old), f.Get(@new)))
            .Where(c => !Equals(c.Old, c.New))];
    }

    /// <summary>What changed in a product from <paramref name="previous"/> (null for the oldest version) to <paramref name="current"/>.</summary>
    public static VersionDiff Product(int? previousVersion, ProductValues? previous, ProductValues current) =>
        Record(previousVersion, previous, current, ProductValues.Fields);

    /// <summary>What changed in a one-row record (a product, a customer) between two versions, field by field.</summary>
    public static VersionDiff Record<T>(int? previousVersion, T? previous, T current, IReadOnlyList<MergeField<T>> fields)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(current);
        return previous is null ? VersionDiff.First : new(previousVersion, Fields(previous, current, fields), []);
    }

    /// <summary>
    /// What changed in an order: header fields, then lines by id (added, removed, changed). The
    /// customer link is a change of its own: a deleted customer's orders keep its name and lose only
    /// the link, and their history must say so rather than "saved without changes".
    /// </summary>
    public static VersionDiff Order(int? previousVersion, OrderValues? previous, OrderValues current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (previous is null)
        {
            return VersionDiff.First;
        }

        var fields = Fields(previous.Header, current.Header, OrderHeader.Fields);
        if (previous.Header.CustomerId != current.Header.CustomerId)
        {
            fields = [.. fields, new FieldChange(nameof(OrderHeader.CustomerId), "Customer link", Link(previous.Header), Link(current.Header))];
        }

        return new(previousVersion, fields, Lines(previous.Lines, current.Lines));
    }

    /// <summary>"Linked to customer 12" or "Not linked" (the name is its own field).</summary>
    private static string Link(OrderHeader header) =>
        header.CustomerId is { } id ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Linked to customer {id}") : "Not linked";

    /// <summary>
    /// Line changes matched by line id: the current lines in their order (added or changed), then
    /// the removed ones in their old order. A line that only moved is not a change.
    /// </summary>
    public static IReadOnlyList<LineChange> Lines(IReadOnlyList<OrderLine> previous, IReadOnlyList<OrderLine> current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var oldById = previous.ToDictionary(l => l.LineId);
        var newIds = current.Select(l => l.LineId).ToHashSet();
        var changes = new List<LineChange>();
        foreach (var line in current)
        {
            if (!oldById.TryGetValue(line.LineId, out var old))
            {
                changes.Add(new(line.LineId, LineChangeKind.Added, null, line, []));
            }
            else if (Fields(old, line, LineFields) is { Count: > 0 } fields)
            {
                changes.Add(new(line.LineId, LineChangeKind.Changed, old, line, fields));
            }
        }

        changes.AddRange(previous.Where(l => !newIds.Contains(l.LineId)).Select(l => new LineChange(l.LineId, LineChangeKind.Removed, l, null, [])));
        return changes;
    }
}
