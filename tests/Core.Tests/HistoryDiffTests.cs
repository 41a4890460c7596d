using CollabEditor.Core.History;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;

namespace CollabEditor.Core.Tests;

public sealed class HistoryDiffTests
{
    private static readonly ProductValues Desk = new("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false);
    private static readonly OrderLine DeskLine = new(Guid.NewGuid(), 1, "OAK-DES-001", "Oak desk", 2, 100m);
    private static readonly OrderLine ChairLine = new(Guid.NewGuid(), 2, "OAK-CHA-001", "Oak chair", 4, 25.50m);
    private static readonly OrderValues Order = new(new OrderHeader("Acme", OrderStatus.Draft, "Call first."), [DeskLine, ChairLine]);
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Product_ListsOnlyTheChangedFields_InFormOrder_WithLabelOldAndNew()
    {
        var diff = HistoryDiff.Product(3, Desk, Desk with { Stock = 7, Name = "Oak desk XL" });

        Assert.Equal(3, diff.PreviousVersion);
        Assert.Equal(
            [new FieldChange("Name", "Name", "Oak desk", "Oak desk XL"), new FieldChange("Stock", "Stock", 10, 7)],
            diff.Fields);
        Assert.Empty(diff.Lines);
    }

    [Fact]
    public void Product_PriceAndFlag_AreComparedByValue()
    {
        // 100.00 from the database and 100 typed are the same price.
        Assert.True(HistoryDiff.Product(1, Desk with { Price = 100.00m }, Desk).IsEmpty);

        var diff = HistoryDiff.Product(1, Desk, Desk with { Price = 99.50m, RequiresCheckout = true });

        Assert.Equal(["Price", "Requires check-out"], diff.Fields.Select(f => f.Label));
        Assert.Equal((100m, 99.50m), ((decimal)diff.Fields[0].Old!, (decimal)diff.Fields[0].New!));
        Assert.Equal((false, true), ((bool)diff.Fields[1].Old!, (bool)diff.Fields[1].New!));
    }

    [Fact]
    public void Product_TheOldestVersion_HasNothingToCompareWith()
    {
        var diff = HistoryDiff.Product(null, null, Desk);

        Assert.True(diff.IsFirst);
        Assert.True(diff.IsEmpty);
    }

    /// <summary>Found by an outside try: a deleted customer's order showed "Saved without changes" for the version that unlinked it.</summary>
    [Fact]
    public void Order_ACustomerLinkRemoved_WithTheNameKept_IsAChange()
    {
        var linked = Order.WithHeader(Order.Header with { CustomerId = 12 });

        var diff = HistoryDiff.Order(2, linked, linked.WithHeader(linked.Header with { CustomerId = null }));

        Assert.False(diff.IsEmpty);
        Assert.Equal([new FieldChange("CustomerId", "Customer link", "Linked to customer 12", "Not linked")], diff.Fields);
        Assert.Equal(
            [new FieldChange("CustomerId", "Customer link", "Not linked", "Linked to customer 12")],
            HistoryDiff.Order(1, Order, linked).Fields);
    }

    [Fact]
    public void Order_HeaderChanges_AreListedLikeProductFields()
    {
        var diff = HistoryDiff.Order(1, Order, Order.WithHeader(new OrderHeader("Acme Ltd", OrderStatus.Submitted, "Call first.")));

        Assert.Equal(
            [new FieldChange("CustomerName", "Customer", "Acme", "Acme Ltd"), new FieldChange("Status", "Status", OrderStatus.Draft, OrderStatus.Submitted)],
            diff.Fields);
        Assert.Empty(diff.Lines);
    }

    [Fact]
    public void Order_AnAddedLine_IsAdded()
    {
        var after = Order.AddLine(3, "BRS-LAM-001", "Brass lamp", 1, 40m);

        var change = Assert.Single(HistoryDiff.Order(1, Order, after).Lines);

        Assert.Equal(LineChangeKind.Added, change.Kind);
        Assert.Null(change.Old);
        Assert.Equal(after.Lines[^1], change.New);
        Assert.Equal("BRS-LAM-001", change.Line.Sku);
        Assert.Empty(change.Fields);
    }

    [Fact]
    public void Order_ARemovedLine_IsRemoved_WithItsLastValues()
    {
        var change = Assert.Single(HistoryDiff.Order(1, Order, Order.RemoveLine(ChairLine.LineId)).Lines);

        Assert.Equal(LineChangeKind.Removed, change.Kind);
        Assert.Equal(ChairLine, change.Old);
        Assert.Null(change.New);
        Assert.Equal(ChairLine, change.Line);
    }

    [Fact]
    public void Order_AChangedQuantityAndPrice_AreTheLinesChangedFields()
    {
        var after = Order.WithLine(DeskLine with { Quantity = 5 }).WithLine(ChairLine with { UnitPrice = 20m });

        var diff = HistoryDiff.Order(1, Order, after);

        Assert.Empty(diff.Fields);
        Assert.Equal([DeskLine.LineId, ChairLine.LineId], diff.Lines.Select(l => l.LineId));
        Assert.All(diff.Lines, l => Assert.Equal(LineChangeKind.Changed, l.Kind));
        Assert.Equal([new FieldChange("Quantity", "Quantity", 2, 5)], diff.Lines[0].Fields);
        Assert.Equal([new FieldChange("UnitPrice", "Unit price", 25.50m, 20m)], diff.Lines[1].Fields);
    }

    [Fact]
    public void Order_LinesThatOnlyMoved_AreNotChanges()
    {
        Assert.True(HistoryDiff.Order(1, Order, Order with { Lines = [ChairLine, DeskLine] }).IsEmpty);
    }

    [Fact]
    public void Order_AddedRemovedAndChangedTogether_CurrentLinesFirstThenRemoved()
    {
        var after = Order.RemoveLine(DeskLine.LineId).WithLine(ChairLine with { Quantity = 1 }).AddLine(3, "BRS-LAM-001", "Brass lamp", 1, 40m);

        var diff = HistoryDiff.Order(4, Order, after);

        Assert.Equal(
            [(ChairLine.LineId, LineChangeKind.Changed), (after.Lines[^1].LineId, LineChangeKind.Added), (DeskLine.LineId, LineChangeKind.Removed)],
            diff.Lines.Select(l => (l.LineId, l.Kind)));
        Assert.Equal(4, diff.PreviousVersion);
    }

    [Fact]
    public void Timeline_DiffsEachVersionAgainstThePreviousOne_NewestFirst()
    {
        VersionEntry<ProductValues>[] versions =
        [
            new(1, T0, 1, "Alice", false, Desk),
            new(2, T0.AddMinutes(1), 2, "Bob", false, Desk with { Stock = 5 }),
            new(3, T0.AddMinutes(2), 3, "Alice", false, Desk with { Stock = 5, Price = 90m }),
        ];

        var timeline = HistoryTimeline.Build(versions, (p, v) => HistoryDiff.Product(p?.Version, p?.Values, v), []);

        var entries = timeline.Cast<VersionEntry>().ToList();
        Assert.Equal([3, 2, 1], entries.Select(e => e.Version));
        Assert.Equal(["Price"], entries[0].Diff.Fields.Select(f => f.Name));
        Assert.Equal(2, entries[0].Diff.PreviousVersion);
        Assert.Equal(["Stock"], entries[1].Diff.Fields.Select(f => f.Name));
        Assert.True(entries[2].Diff.IsFirst);
    }

    [Fact]
    public void Timeline_AWindowOfALongerHistory_DiffsItsOldestAgainstTheVersionBefore()
    {
        var before = new VersionEntry<ProductValues>(7, T0, 7, "Alice", false, Desk);
        VersionEntry<ProductValues>[] versions = [new(8, T0.AddMinutes(1), 8, "Bob", false, Desk with { Name = "Desk" })];

        var entry = (VersionEntry)Assert.Single(HistoryTimeline.Build(versions, (p, v) => HistoryDiff.Product(p?.Version, p?.Values, v), [], before));

        Assert.Equal(7, entry.Diff.PreviousVersion);
        Assert.Equal(["Name"], entry.Diff.Fields.Select(f => f.Name));
    }

    [Fact]
    public void Timeline_InterleavesLeaseEventsByTime_KeepingTheVersionsInCommitOrder()
    {
        VersionEntry<ProductValues>[] versions =
        [
            new(1, T0, 1, "Alice", false, Desk),
            new(2, T0.AddMinutes(2), 2, "Bob", false, Desk with { Stock = 5 }),
            // Committed after version 2 although its transaction started earlier.
            new(3, T0.AddMinutes(2).AddTicks(-1), 3, "Alice", false, Desk with { Stock = 6 }),
        ];
        LeaseEvent[] leases =
        [
            new(2, T0.AddMinutes(3), "released", "Bob", "Bob", 1, null),
            new(1, T0.AddMinutes(1), "granted", "Bob", "Bob", 1, null),
        ];

        var timeline = HistoryTimeline.Build(versions, (p, v) => HistoryDiff.Product(p?.Version, p?.Values, v), leases);

        Assert.Equal(
            ["released", "v3", "v2", "granted", "v1"],
            timeline.Select(i => i switch { VersionEntry v => $"v{v.Version}", LeaseEvent l => l.Action, _ => "?" }));
    }
}
