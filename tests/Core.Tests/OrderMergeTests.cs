using CollabEditor.Core.Merging;
using CollabEditor.Core.Orders;

namespace CollabEditor.Core.Tests;

public sealed class OrderMergeTests
{
    private static readonly OrderLine Desk = new(Guid.NewGuid(), 1, "OAK-DES-001", "Oak desk", 2, 100m);
    private static readonly OrderLine Chair = new(Guid.NewGuid(), 2, "OAK-CHA-001", "Oak chair", 4, 25.50m);
    private static readonly OrderLine Lamp = new(Guid.NewGuid(), 3, "BRS-LAM-001", "Brass lamp", 1, 40m);
    private static readonly OrderValues Base = new(new OrderHeader("Acme", OrderStatus.Draft, "Call first."), [Desk, Chair, Lamp]);

    private static LineMerge Line(OrderMergeResult r, Guid id) => r.Lines.Single(l => l.LineId == id);

    private static FieldMerge Field(IEnumerable<FieldMerge> fields, string name) => fields.Single(f => f.Name == name);

    private static OrderLine NewLine(int productId, string sku) => new(Guid.NewGuid(), productId, sku, sku + " name", 1, 10m);

    [Fact]
    public void Merge_WhenNobodyChangedAnything_IsUnchangedEverywhere()
    {
        var r = OrderMerge.Merge(Base, Base, Base);
        Assert.False(r.HasConflicts);
        Assert.All(r.Lines, l => Assert.Equal(LineOutcome.Unchanged, l.Outcome));
        Assert.All(r.Header, f => Assert.Equal(FieldOutcome.Unchanged, f.Outcome));
        Assert.True(r.Merged.SameAs(Base));
    }

    [Fact]
    public void Merge_WhenBothSidesAddDifferentLines_KeepsBoth()
    {
        var mine = NewLine(10, "MINE-1");
        var theirs = NewLine(11, "THEIRS-1");

        var r = OrderMerge.Merge(Base, Base with { Lines = [.. Base.Lines, mine] }, Base with { Lines = [.. Base.Lines, theirs] });

        Assert.False(r.HasConflicts);
        Assert.Equal(LineOutcome.AddedByMe, Line(r, mine.LineId).Outcome);
        Assert.Equal(LineOutcome.AddedByThem, Line(r, theirs.LineId).Outcome);
        Assert.Equal([Desk, Chair, Lamp, theirs, mine], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenOnlyIAddALine_KeepsIt()
    {
        var mine = Base.AddLine(10, "MINE-1", "Mine", 3, 5m);
        var added = mine.Lines[^1];

        var r = OrderMerge.Merge(Base, mine, Base);

        Assert.False(r.HasConflicts);
        Assert.Equal(LineOutcome.AddedByMe, Line(r, added.LineId).Outcome);
        Assert.Equal(added, Line(r, added.LineId).Merged);
        Assert.True(r.Merged.SameAs(mine));
    }

    [Fact]
    public void Merge_WhenOnlyTheyAddALine_KeepsIt()
    {
        var theirs = Base.AddLine(11, "THEIRS-1", "Theirs", 3, 5m);
        var added = theirs.Lines[^1];

        var r = OrderMerge.Merge(Base, Base, theirs);

        Assert.False(r.HasConflicts);
        Assert.Equal(LineOutcome.AddedByThem, Line(r, added.LineId).Outcome);
        Assert.True(r.Merged.SameAs(theirs));
    }

    [Fact]
    public void Merge_WhenIRemoveALineTheyDidNotTouch_RemovesIt()
    {
        var r = OrderMerge.Merge(Base, Base.RemoveLine(Chair.LineId), Base);

        Assert.False(r.HasConflicts);
        var chair = Line(r, Chair.LineId);
        Assert.Equal(LineOutcome.RemovedByMe, chair.Outcome);
        Assert.Null(chair.Merged);
        Assert.Equal([Desk, Lamp], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenTheyRemoveALineIDidNotTouch_RemovesIt()
    {
        var r = OrderMerge.Merge(Base, Base, Base.RemoveLine(Desk.LineId));

        Assert.False(r.HasConflicts);
        Assert.Equal(LineOutcome.RemovedByThem, Line(r, Desk.LineId).Outcome);
        Assert.Null(Line(r, Desk.LineId).Merged);
        Assert.Equal([Chair, Lamp], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenTheyRemoveALineAndIChangedOnlyItsPosition_RemovesIt()
    {
        // Reordering is not a change of the line itself: their removal wins.
        var mine = Base with { Lines = [Lamp, Chair, Desk] };

        var r = OrderMerge.Merge(Base, mine, Base.RemoveLine(Chair.LineId));

        Assert.False(r.HasConflicts);
        Assert.Equal(LineOutcome.RemovedByThem, Line(r, Chair.LineId).Outcome);
        Assert.DoesNotContain(r.Merged.Lines, l => l.LineId == Chair.LineId);
    }

    [Fact]
    public void Merge_WhenIRemoveALineTheyEdited_IsAConflictKeepingTheirEditedLine()
    {
        var edited = Chair with { Quantity = 9 };

        var r = OrderMerge.Merge(Base, Base.RemoveLine(Chair.LineId), Base.WithLine(edited));

        var chair = Line(r, Chair.LineId);
        Assert.Equal(LineOutcome.RemovedByMeChangedByThem, chair.Outcome);
        Assert.True(chair.IsConflict);
        Assert.True(r.HasConflicts);
        Assert.Equal(1, r.ConflictCount);
        Assert.Null(chair.Mine);
        Assert.Equal(edited, chair.Theirs);
        Assert.Equal(edited, chair.Merged);
        Assert.Equal(edited, chair.Any);
        Assert.Equal(FieldOutcome.TheirsOnly, Field(chair.Fields, "Quantity").Outcome);
        Assert.Equal([Desk, edited, Lamp], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenTheyRemoveALineIEdited_IsAConflictKeepingMyEditedLine()
    {
        var edited = Lamp with { UnitPrice = 35m };

        var r = OrderMerge.Merge(Base, Base.WithLine(edited), Base.RemoveLine(Lamp.LineId));

        var lamp = Line(r, Lamp.LineId);
        Assert.Equal(LineOutcome.RemovedByThemChangedByMe, lamp.Outcome);
        Assert.True(lamp.IsConflict);
        Assert.Equal(1, r.ConflictCount);
        Assert.Null(lamp.Theirs);
        Assert.Equal(edited, lamp.Mine);
        Assert.Equal(edited, lamp.Merged);
        Assert.Equal(FieldOutcome.MineOnly, Field(lamp.Fields, "UnitPrice").Outcome);
        Assert.Equal([Desk, Chair, edited], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenBothRemoveALine_RemovesItWithoutConflict()
    {
        var without = Base.RemoveLine(Desk.LineId);

        var r = OrderMerge.Merge(Base, without, without);

        Assert.False(r.HasConflicts);
        var desk = Line(r, Desk.LineId);
        Assert.Equal(LineOutcome.RemovedByBoth, desk.Outcome);
        Assert.Null(desk.Merged);
        Assert.Equal(Desk, desk.Any);
        Assert.Equal([Chair, Lamp], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenBothChangeALineFieldToTheSameValue_IsNotAConflict()
    {
        var r = OrderMerge.Merge(Base, Base.WithLine(Desk with { Quantity = 5 }), Base.WithLine(Desk with { Quantity = 5 }));

        Assert.False(r.HasConflicts);
        var desk = Line(r, Desk.LineId);
        Assert.Equal(LineOutcome.Merged, desk.Outcome);
        Assert.Equal(FieldOutcome.BothSame, Field(desk.Fields, "Quantity").Outcome);
        Assert.Equal(Desk with { Quantity = 5 }, desk.Merged);
    }

    [Fact]
    public void Merge_WhenEachSideChangesADifferentFieldOfTheSameLine_MergesBoth()
    {
        var r = OrderMerge.Merge(Base, Base.WithLine(Desk with { Quantity = 3 }), Base.WithLine(Desk with { UnitPrice = 95m }));

        Assert.False(r.HasConflicts);
        var desk = Line(r, Desk.LineId);
        Assert.Equal(LineOutcome.Merged, desk.Outcome);
        Assert.Equal(FieldOutcome.MineOnly, Field(desk.Fields, "Quantity").Outcome);
        Assert.Equal(FieldOutcome.TheirsOnly, Field(desk.Fields, "UnitPrice").Outcome);
        Assert.Equal(FieldOutcome.Unchanged, Field(desk.Fields, "ProductId").Outcome);
        Assert.Equal(Desk with { Quantity = 3, UnitPrice = 95m }, desk.Merged);
        Assert.Equal([Desk with { Quantity = 3, UnitPrice = 95m }, Chair, Lamp], r.Merged.Lines);
    }

    [Fact]
    public void Merge_WhenBothChangeTheSameLineFieldDifferently_IsAConflictWithTheFieldDetails()
    {
        var r = OrderMerge.Merge(Base, Base.WithLine(Chair with { Quantity = 6, UnitPrice = 20m }), Base.WithLine(Chair with { Quantity = 8 }));

        var chair = Line(r, Chair.LineId);
        Assert.Equal(LineOutcome.Conflict, chair.Outcome);
        Assert.True(chair.IsConflict);
        Assert.Equal(1, r.ConflictCount);
        var quantity = Field(chair.Fields, "Quantity");
        Assert.Equal(FieldOutcome.Conflict, quantity.Outcome);
        Assert.Equal("Quantity", quantity.Label);
        Assert.Equal((4, 6, 8), ((int)quantity.Base!, (int)quantity.Mine!, (int)quantity.Theirs!));
        Assert.Equal(FieldOutcome.MineOnly, Field(chair.Fields, "UnitPrice").Outcome);
        Assert.Equal(["ProductId", "Quantity", "UnitPrice"], chair.Fields.Select(f => f.Name));
        // Mine is held provisionally until the user decides.
        Assert.Equal(Chair with { Quantity = 6, UnitPrice = 20m }, chair.Merged);
    }

    [Fact]
    public void Merge_WhenIChangeTheProduct_CarriesMySkuAndName()
    {
        var mine = Desk with { ProductId = 7, Sku = "WAL-DES-002", ProductName = "Walnut desk" };

        var r = OrderMerge.Merge(Base, Base.WithLine(mine), Base.WithLine(Desk with { Quantity = 9 }));

        Assert.False(r.HasConflicts);
        Assert.Equal(mine with { Quantity = 9 }, Line(r, Desk.LineId).Merged);
    }

    [Fact]
    public void Merge_WhenTheyChangeTheProduct_CarriesTheirSkuAndName()
    {
        var theirs = Desk with { ProductId = 7, Sku = "WAL-DES-002", ProductName = "Walnut desk" };

        var r = OrderMerge.Merge(Base, Base.WithLine(Desk with { Quantity = 9 }), Base.WithLine(theirs));

        Assert.False(r.HasConflicts);
        Assert.Equal(theirs with { Quantity = 9 }, Line(r, Desk.LineId).Merged);
    }

    [Fact]
    public void Merge_Header_WhenIChangeTheCustomerAndTheyChangeNotes_KeepsBothWithoutConflict()
    {
        var mine = Base.WithHeader(Base.Header with { CustomerName = "Acme Ltd" });
        var theirs = Base.WithHeader(Base.Header with { Notes = "Leave at the door." });

        var r = OrderMerge.Merge(Base, mine, theirs);

        Assert.False(r.HasConflicts);
        Assert.Equal(FieldOutcome.MineOnly, Field(r.Header, "CustomerName").Outcome);
        Assert.Equal(FieldOutcome.TheirsOnly, Field(r.Header, "Notes").Outcome);
        Assert.Equal(FieldOutcome.Unchanged, Field(r.Header, "Status").Outcome);
        Assert.Equal(new OrderHeader("Acme Ltd", OrderStatus.Draft, "Leave at the door."), r.Merged.Header);
        Assert.Equal(["CustomerName", "Status", "Notes"], r.Header.Select(f => f.Name));
    }

    [Fact]
    public void Merge_Header_WhenBothChangeTheCustomerDifferently_IsAConflictHoldingMine()
    {
        var r = OrderMerge.Merge(
            Base,
            Base.WithHeader(Base.Header with { CustomerName = "Mine Inc" }),
            Base.WithHeader(Base.Header with { CustomerName = "Theirs Inc", Status = OrderStatus.Submitted }));

        Assert.True(r.HasConflicts);
        Assert.Equal(1, r.ConflictCount);
        var customer = Field(r.Header, "CustomerName");
        Assert.Equal(FieldOutcome.Conflict, customer.Outcome);
        Assert.Equal(("Acme", "Mine Inc", "Theirs Inc"), ((string)customer.Base!, (string)customer.Mine!, (string)customer.Theirs!));
        Assert.Equal(new OrderHeader("Mine Inc", OrderStatus.Submitted, "Call first."), r.Merged.Header);
    }

    [Fact]
    public void Take_ForTheCustomerConflict_TakesThatSidesLinkWithItsName()
    {
        var mine = Base.Header with { CustomerId = 1, CustomerName = "Mine Inc" };
        var theirs = Base.Header with { CustomerId = 2, CustomerName = "Theirs Inc", Status = OrderStatus.Submitted };
        var r = OrderMerge.Merge(Base, Base.WithHeader(mine), Base.WithHeader(theirs));
        Assert.Equal(FieldOutcome.Conflict, Field(r.Header, "CustomerName").Outcome);

        var takenTheirs = OrderMerge.Take(r.Merged.Header, "CustomerName", theirs);
        var takenMine = OrderMerge.Take(r.Merged.Header, "CustomerName", mine);

        Assert.Equal(((int?)2, "Theirs Inc", OrderStatus.Submitted), (takenTheirs.CustomerId, takenTheirs.CustomerName, takenTheirs.Status));
        Assert.Equal(((int?)1, "Mine Inc", OrderStatus.Submitted), (takenMine.CustomerId, takenMine.CustomerName, takenMine.Status));
        Assert.Equal("Their notes.", OrderMerge.Take(r.Merged.Header, "Notes", theirs with { Notes = "Their notes." }).Notes);
    }

    [Fact]
    public void Merge_OrdersLines_TheirsFirst_ThenMyAdditionsInMyOrder()
    {
        var mine1 = NewLine(20, "MINE-1");
        var mine2 = NewLine(21, "MINE-2");
        var theirs1 = NewLine(30, "THEIRS-1");
        // They reordered and added; I added two lines at the top.
        var mine = Base with { Lines = [mine2, mine1, .. Base.Lines] };
        var theirs = Base with { Lines = [Lamp, theirs1, Desk, Chair] };

        var r = OrderMerge.Merge(Base, mine, theirs);

        Assert.False(r.HasConflicts);
        Assert.Equal([Lamp, theirs1, Desk, Chair, mine2, mine1], r.Merged.Lines);
        Assert.Equal(r.Merged.Lines.Select(l => l.LineId), r.Lines.Where(l => l.Merged is not null).Select(l => l.LineId));
    }

    [Fact]
    public void Merge_ReportsLinesRemovedByBothAfterTheKeptOnes()
    {
        var mineAdded = NewLine(20, "MINE-1");
        var mine = Base.RemoveLine(Desk.LineId) with { Lines = [.. Base.RemoveLine(Desk.LineId).Lines, mineAdded] };

        var r = OrderMerge.Merge(Base, mine, Base.RemoveLine(Desk.LineId));

        Assert.Equal([Chair.LineId, Lamp.LineId, mineAdded.LineId, Desk.LineId], r.Lines.Select(l => l.LineId));
        Assert.Equal(LineOutcome.RemovedByBoth, r.Lines[^1].Outcome);
    }

    [Fact]
    public void Merge_WhenTheyDeletedTheOrder_ReportsDeletedAndKeepsMine()
    {
        var mine = Base.WithHeader(Base.Header with { Notes = "Mine" }).AddLine(9, "X-1", "X", 1, 1m);

        var r = OrderMerge.Merge(Base, mine, null);

        Assert.True(r.TheirsDeleted);
        Assert.Same(mine, r.Merged);
        Assert.Equal(FieldOutcome.MineOnly, Field(r.Header, "Notes").Outcome);
        Assert.Equal(FieldOutcome.Unchanged, Field(r.Header, "CustomerName").Outcome);
        Assert.All(r.Header, f => Assert.Null(f.Theirs));
        Assert.Equal(mine.Lines.Select(l => l.LineId), r.Lines.Select(l => l.LineId));
        Assert.All(r.Lines, l => Assert.Null(l.Theirs));
    }

    [Fact]
    public void SameAs_ComparesHeaderAndLinesByValue()
    {
        var copy = new OrderValues(Base.Header with { }, [.. Base.Lines.Select(l => l with { })]);
        Assert.NotSame(Base.Lines, copy.Lines);
        Assert.True(Base.SameAs(copy));
        Assert.True(Base.SameAs(copy with { Lines = [.. copy.Lines.Select(l => l with { UnitPrice = l.UnitPrice * 1.00m })] }));
    }

    [Fact]
    public void SameAs_SeesEveryKindOfDifference()
    {
        Assert.False(Base.SameAs(null));
        Assert.False(Base.SameAs(Base.WithHeader(Base.Header with { Notes = "Other" })));
        Assert.False(Base.SameAs(Base.WithLine(Chair with { Quantity = 5 })));
        Assert.False(Base.SameAs(Base.RemoveLine(Lamp.LineId)));
        Assert.False(Base.SameAs(Base with { Lines = [Lamp, Chair, Desk] }));
        Assert.False(Base.SameAs(Base.AddLine(1, "OAK-DES-001", "Oak desk", 2, 100m)));
    }

    [Fact]
    public void Total_IsTheSumOfQuantityTimesUnitPrice()
    {
        Assert.Equal(2 * 100m + 4 * 25.50m + 1 * 40m, Base.Total);
        Assert.Equal(342m, Base.Total);
        Assert.Equal(102m, Chair.LineTotal);
        Assert.Equal(0m, (Base with { Lines = [] }).Total);
    }

    [Fact]
    public void ChangedBy_SaysWhoseChangesAMergedLineCarries()
    {
        var mine = Base.WithLine(Desk with { Quantity = 5 }).WithLine(Chair with { Quantity = 9 });
        var theirs = Base.WithLine(Desk with { UnitPrice = 90m }).WithLine(Lamp with { Quantity = 3 });

        var r = OrderMerge.Merge(Base, mine, theirs);

        Assert.Equal(LineChangedBy.Both, Line(r, Desk.LineId).ChangedBy);
        Assert.Equal(LineChangedBy.Me, Line(r, Chair.LineId).ChangedBy);
        Assert.Equal(LineChangedBy.Them, Line(r, Lamp.LineId).ChangedBy);
        Assert.Equal(3, r.MergedCount);
    }

    [Fact]
    public void TheirChanges_NamesTheirHeaderFieldsAndLines_NotMine()
    {
        var added = NewLine(11, "THEIRS-1");
        var mine = Base.WithLine(Chair with { Quantity = 9 }) with { Header = Base.Header with { Notes = "Mine." } };
        var edited = Base.WithLine(Desk with { UnitPrice = 90m }).RemoveLine(Lamp.LineId);
        var theirs = edited with { Header = Base.Header with { CustomerName = "Acme Ltd" }, Lines = [.. edited.Lines, added] };

        var r = OrderMerge.Merge(Base, mine, theirs);

        Assert.Equal(["Customer", "OAK-DES-001", "THEIRS-1 (added)", "BRS-LAM-001 (removed)"], r.TheirChanges());
    }
}
