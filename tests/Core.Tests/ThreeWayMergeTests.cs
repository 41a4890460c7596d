using CollabEditor.Core.Merging;
using CollabEditor.Core.Products;

namespace CollabEditor.Core.Tests;

public sealed class ThreeWayMergeTests
{
    private static readonly ProductValues Base = new("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false);

    private static MergeResult<ProductValues> Merge(ProductValues mine, ProductValues? theirs) =>
        ThreeWayMerge.Merge(Base, mine, theirs, ProductValues.Fields);

    private static FieldMerge Field(MergeResult<ProductValues> r, string name) => r.Fields.Single(f => f.Name == name);

    [Theory]
    [InlineData(1, 1, 1, FieldOutcome.Unchanged)]
    [InlineData(1, 2, 1, FieldOutcome.MineOnly)]
    [InlineData(1, 1, 2, FieldOutcome.TheirsOnly)]
    [InlineData(1, 2, 2, FieldOutcome.BothSame)]
    [InlineData(1, 2, 3, FieldOutcome.Conflict)]
    public void Classify_FollowsTheMergeTable(int @base, int mine, int theirs, FieldOutcome expected) =>
        Assert.Equal(expected, ThreeWayMerge.Classify(@base, mine, theirs));

    [Fact]
    public void Merge_WhenOnlyIChangedAField_TakesMine()
    {
        var r = Merge(Base with { Price = 120m }, Base);
        Assert.Equal(FieldOutcome.MineOnly, Field(r, "Price").Outcome);
        Assert.Equal(120m, r.Merged.Price);
        Assert.False(r.HasConflicts);
    }

    [Fact]
    public void Merge_WhenOnlyTheyChangedAField_TakesTheirs()
    {
        var r = Merge(Base, Base with { Stock = 3 });
        Assert.Equal(FieldOutcome.TheirsOnly, Field(r, "Stock").Outcome);
        Assert.Equal(3, r.Merged.Stock);
        Assert.False(r.HasConflicts);
    }

    [Fact]
    public void Merge_WhenEachSideChangedADifferentField_KeepsBothWithoutConflict()
    {
        var r = Merge(Base with { Name = "Oak desk XL" }, Base with { Stock = 7, Price = 90m });
        Assert.False(r.HasConflicts);
        Assert.Equal(Base with { Name = "Oak desk XL", Stock = 7, Price = 90m }, r.Merged);
    }

    [Fact]
    public void Merge_WhenBothChangedAFieldToTheSameValue_IsNotAConflict()
    {
        var r = Merge(Base with { Price = 99.5m }, Base with { Price = 99.50m });
        Assert.Equal(FieldOutcome.BothSame, Field(r, "Price").Outcome);
        Assert.Equal(99.5m, r.Merged.Price);
        Assert.False(r.HasConflicts);
    }

    [Fact]
    public void Merge_WhenBothChangedAFieldDifferently_IsAConflictHoldingMineProvisionally()
    {
        var r = Merge(Base with { Price = 110m, Name = "Mine" }, Base with { Price = 90m, Stock = 1 });
        var price = Field(r, "Price");
        Assert.Equal(FieldOutcome.Conflict, price.Outcome);
        Assert.Equal((100m, 110m, 90m), ((decimal)price.Base!, (decimal)price.Mine!, (decimal)price.Theirs!));
        Assert.True(r.HasConflicts);
        Assert.Single(r.Conflicts);
        // My typed value is never lost: it stays in the merged record until the user decides.
        Assert.Equal(110m, r.Merged.Price);
        Assert.Equal("Mine", r.Merged.Name);
        Assert.Equal(1, r.Merged.Stock);
    }

    [Fact]
    public void Merge_WhenTheyDeletedTheRecord_ReportsDeletedAndKeepsMine()
    {
        var mine = Base with { Description = "Edited" };
        var r = Merge(mine, null);
        Assert.True(r.TheirsDeleted);
        Assert.Equal(mine, r.Merged);
        Assert.Equal(FieldOutcome.MineOnly, Field(r, "Description").Outcome);
        Assert.Equal(FieldOutcome.Unchanged, Field(r, "Name").Outcome);
        Assert.All(r.Fields, f => Assert.Null(f.Theirs));
    }

    [Fact]
    public void Merge_ReportsEveryFieldInFormOrder() =>
        Assert.Equal(["Sku", "Name", "Description", "Price", "Stock", "RequiresCheckout"], Merge(Base, Base).Fields.Select(f => f.Name));
}
