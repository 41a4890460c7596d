using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Orders;

/// <summary>What happened to one line between base, mine and theirs.</summary>
public enum LineOutcome
{
    /// <summary>Nobody changed it.</summary>
    Unchanged,
    /// <summary>Field changes that merge without a conflict (one side, or the same on both).</summary>
    Merged,
    /// <summary>Both changed a field to different values.</summary>
    Conflict,
    /// <summary>I added it: kept.</summary>
    AddedByMe,
    /// <summary>They added it: kept.</summary>
    AddedByThem,
    /// <summary>I removed it and they did not touch it: removed.</summary>
    RemovedByMe,
    /// <summary>They removed it and I did not touch it: removed.</summary>
    RemovedByThem,
    /// <summary>Both removed it.</summary>
    RemovedByBoth,
    /// <summary>I removed it, they changed it: the user decides (keep theirs or remove).</summary>
    RemovedByMeChangedByThem,
    /// <summary>They removed it, I changed it: the user decides (keep mine or remove).</summary>
    RemovedByThemChangedByMe,
}

/// <summary>Whose changes a line that merged without a conflict carries.</summary>
public enum LineChangedBy
{
    /// <summary>Nobody changed it.</summary>
    Nobody,
    /// <summary>Only my changes.</summary>
    Me,
    /// <summary>Only their changes.</summary>
    Them,
    /// <summary>Both made the same changes.</summary>
    BothSame,
    /// <summary>Changes of both, to different fields.</summary>
    Both,
}

/// <summary>One line's three versions and the merge of them.</summary>
/// <param name="Merged">The line as merged (mine provisionally for real conflicts), or null when removed.</param>
public sealed record LineMerge(Guid LineId, OrderLine? Base, OrderLine? Mine, OrderLine? Theirs, LineOutcome Outcome, IReadOnlyList<FieldMerge> Fields, OrderLine? Merged)
{
    /// <summary>True when the user must decide something about this line.</summary>
    public bool IsConflict => Outcome is LineOutcome.Conflict or LineOutcome.RemovedByMeChangedByThem or LineOutcome.RemovedByThemChangedByMe;

    /// <summary>Any line version, for showing the product.</summary>
    public OrderLine Any => (Mine ?? Theirs ?? Base)!;

    /// <summary>For a line present on both sides and merged by fields: whose changes it carries.</summary>
    public LineChangedBy ChangedBy
    {
        get
        {
            var changed = Fields.Where(f => f.Outcome != FieldOutcome.Unchanged).Select(f => f.Outcome).Distinct().ToList();
            return changed switch
            {
                [] => LineChangedBy.Nobody,
                [FieldOutcome.MineOnly] => LineChangedBy.Me,
                [FieldOutcome.TheirsOnly] => LineChangedBy.Them,
                [FieldOutcome.BothSame] => LineChangedBy.BothSame,
                _ when !changed.Contains(FieldOutcome.TheirsOnly) => LineChangedBy.Me,
                _ when !changed.Contains(FieldOutcome.MineOnly) => LineChangedBy.Them,
                _ => LineChangedBy.Both,
            };
        }
    }
}

/// <summary>The merge of a whole order: header fields and lines.</summary>
/// <param name="Merged">Theirs with every non-overlapping change of mine applied; conflicts hold mine provisionally (a removal-vs-edit conflict keeps the edited line).</param>
public sealed record OrderMergeResult(OrderValues Merged, IReadOnlyList<FieldMerge> Header, IReadOnlyList<LineMerge> Lines, bool TheirsDeleted)
{
    public bool HasConflicts => Header.Any(f => f.IsConflict) || Lines.Any(l => l.IsConflict);

    public int ConflictCount => Header.Count(f => f.IsConflict) + Lines.Count(l => l.IsConflict);

    /// <summary>Header fields and lines merged for the user without a decision (one side's changes, or the same on both).</summary>
    public int MergedCount =>
        Header.Count(f => f.Outcome is FieldOutcome.MineOnly or FieldOutcome.TheirsOnly or FieldOutcome.BothSame)
        + Lines.Count(l => !l.IsConflict && l.Outcome != LineOutcome.Unchanged && !(l.Outcome == LineOutcome.Merged && l.ChangedBy == LineChangedBy.Nobody));

    /// <summary>What their side changed that the merge took, in words: header labels, then lines by SKU ("Status", "OAK-DES-001 (added)").</summary>
    public IReadOnlyList<string> TheirChanges() =>
    [
        .. Header.Where(f => f.Outcome == FieldOutcome.TheirsOnly).Select(f => f.Label),
        .. Lines.Select(l => l.Outcome switch
        {
            LineOutcome.AddedByThem => $"{l.Any.Sku} (added)",
            LineOutcome.RemovedByThem => $"{l.Any.Sku} (removed)",
            LineOutcome.Merged when l.ChangedBy is LineChangedBy.Them or LineChangedBy.Both => l.Any.Sku,
            _ => null,
        }).OfType<string>(),
    ];
}

/// <summary>
/// Three-way merge of an order aggregate (DESIGN.md "Optimistic saves"): header fields as for
/// products; lines matched by id — added by either side kept, removed by one side and untouched by
/// the other removed, changed by both differently a real conflict. Pure.
/// </summary>
public static class OrderMerge
{
    public static OrderMergeResult Merge(OrderValues @base, OrderValues mine, OrderValues? theirs)
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(mine);
        if (theirs is null)
        {
            var mineHeader = ThreeWayMerge.Merge(@base.Header, mine.Header, null, OrderHeader.Fields);
            var mineLines = mine.Lines.Select(l => new LineMerge(l.LineId, null, l, null, LineOutcome.AddedByMe, [], l)).ToList();
            return new OrderMergeResult(mine, mineHeader.Fields, mineLines, TheirsDeleted: true);
        }

        var header = MergeHeader(@base.Header, mine.Header, theirs.Header);
        var baseById = @base.Lines.ToDictionary(l => l.LineId);
        var mineById = mine.Lines.ToDictionary(l => l.LineId);
        var theirsById = theirs.Lines.ToDictionary(l => l.LineId);

        // Theirs' order first, then the lines only I have, in my order.
        var ids = theirs.Lines.Select(l => l.LineId)
            .Concat(mine.Lines.Select(l => l.LineId).Where(id => !theirsById.ContainsKey(id)))
            .Concat(@base.Lines.Select(l => l.LineId).Where(id => !theirsById.ContainsKey(id) && !mineById.ContainsKey(id)))
            .ToList();

        var lines = new List<LineMerge>(ids.Count);
        foreach (var id in ids)
        {
            lines.Add(MergeLine(id, baseById.GetValueOrDefault(id), mineById.GetValueOrDefault(id), theirsById.GetValueOrDefault(id)));
        }

        var merged = new OrderValues(header.Merged, [.. lines.Where(l => l.Merged is not null).Select(l => l.Merged!)]);
        return new OrderMergeResult(merged, header.Fields, lines, TheirsDeleted: false);
    }

    /// <summary>
    /// The header merge. "Customer" is one field of two parts, the link and the name (a linked
    /// customer's name is a copy): it is compared as the pair, and the merged header takes both parts
    /// from the same side, so a change of link alone is a change, and a link never pairs with another name.
    /// </summary>
    private static MergeResult<OrderHeader> MergeHeader(OrderHeader @base, OrderHeader mine, OrderHeader theirs)
    {
        var r = ThreeWayMerge.Merge(@base, mine, theirs, OrderHeader.Fields);
        var outcome = ThreeWayMerge.Classify((@base.CustomerId, @base.CustomerName), (mine.CustomerId, mine.CustomerName), (theirs.CustomerId, theirs.CustomerName));
        var from = outcome is FieldOutcome.MineOnly or FieldOutcome.Conflict ? mine : theirs;
        var fields = r.Fields.Select(f => f.Name == nameof(OrderHeader.CustomerName) ? f with { Outcome = outcome } : f).ToList();
        return r with { Merged = r.Merged with { CustomerId = from.CustomerId, CustomerName = from.CustomerName }, Fields = fields };
    }

    /// <summary>
    /// <paramref name="header"/> with one side taken for the header field <paramref name="field"/>
    /// (a real conflict the user decided). "Customer" takes that side's link together with its name,
    /// as the merge compares them: never their name with my link.
    /// </summary>
    public static OrderHeader Take(OrderHeader header, string field, OrderHeader side)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(side);
        if (field == nameof(OrderHeader.CustomerName))
        {
            return header with { CustomerId = side.CustomerId, CustomerName = side.CustomerName };
        }

        var f = OrderHeader.Fields.Single(x => x.Name == field);
        return f.With(header, f.Get(side));
    }

    private static LineMerge MergeLine(Guid id, OrderLine? b, OrderLine? m, OrderLine? t)
    {
        switch (b, m, t)
        {
            case (null, { } mine, null):
                return new(id, b, m, t, LineOutcome.AddedByMe, [], mine);
            case (null, null, { } theirs):
                return new(id, b, m, t, LineOutcome.AddedByThem, [], theirs);
            case (null, { } mine, { } theirs):
                // The same new id on both sides cannot happen with random ids; treat like an edit of an empty base.
                var both = ThreeWayMerge.Merge(mine, mine, theirs, OrderLine.Fields);
                return new(id, b, m, t, both.HasConflicts ? LineOutcome.Conflict : LineOutcome.Merged, both.Fields, both.Merged);
            case ({ }, null, null):
                return new(id, b, m, t, LineOutcome.RemovedByBoth, [], null);
            case ({ } @base, null, { } theirs):
                return Same(@base, theirs)
                    ? new(id, b, m, t, LineOutcome.RemovedByMe, [], null)
                    : new(id, b, m, t, LineOutcome.RemovedByMeChangedByThem, FieldsOf(@base, @base, theirs), theirs);
            case ({ } @base, { } mine, null):
                return Same(@base, mine)
                    ? new(id, b, m, t, LineOutcome.RemovedByThem, [], null)
                    : new(id, b, m, t, LineOutcome.RemovedByThemChangedByMe, FieldsOf(@base, mine, @base), mine);
            case ({ } @base, { } mine, { } theirs):
                var r = ThreeWayMerge.Merge(@base, mine, theirs, OrderLine.Fields);
                var outcome = r.HasConflicts ? LineOutcome.Conflict
                    : r.Fields.All(f => f.Outcome == FieldOutcome.Unchanged) ? LineOutcome.Unchanged
                    : LineOutcome.Merged;
                // A product change carries its SKU and name along with it.
                var merged = r.Merged.ProductId == theirs.ProductId ? r.Merged with { Sku = theirs.Sku, ProductName = theirs.ProductName }
                    : r.Merged with { Sku = mine.Sku, ProductName = mine.ProductName };
                return new(id, b, m, t, outcome, r.Fields, merged);
            default:
                throw new InvalidOperationException("A line must exist in at least one version.");
        }
    }

    private static IReadOnlyList<FieldMerge> FieldsOf(OrderLine @base, OrderLine mine, OrderLine theirs) =>
        ThreeWayMerge.Merge(@base, mine, theirs, OrderLine.Fields).Fields;

    private static bool Same(OrderLine a, OrderLine b) => OrderLine.Fields.All(f => Equals(f.Get(a), f.Get(b)));
}
