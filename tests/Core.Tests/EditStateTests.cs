using CollabEditor.Core.Editing;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;

namespace CollabEditor.Core.Tests;

/// <summary>The editing life-cycle as a pure state model: every transition the editor shell relies on.</summary>
public sealed class EditStateTests
{
    private static readonly FieldShape<ProductValues> Shape = new(ProductValues.Fields);
    private static readonly DateTimeOffset At = new(2026, 12, 1, 10, 2, 0, TimeSpan.Zero);
    private static readonly ProductValues V1 = new("OAK-1", "Oak desk", "Solid oak", 100m, 5, false);

    private static Versioned<ProductValues> Version(int n, ProductValues values, string by = "Bob") => new(values, n, by, At.AddMinutes(n));

    private static EditState<ProductValues> Opened() => EditState.Loaded(Shape, Version(1, V1, "Seed"));

    [Fact]
    public void RemoteChange_WithoutEdits_ShowsTheNewVersionAsTheBase()
    {
        var state = Opened().Remote(Version(2, V1 with { Price = 120m }));

        Assert.Equal(2, state.Base!.Version);
        Assert.Equal(120m, state.Mine.Price);
        Assert.Null(state.Theirs);
        Assert.Null(state.PickedUpNote);
        Assert.Equal("Bob saved version 2 (changed: Price).", state.Note);
    }

    [Fact]
    public void RemoteChange_WhileTyping_PicksUpUntouchedFieldsAndKeepsTypedOnes()
    {
        var typing = Opened().Edit(V1 with { Name = "Oak desk XL" });

        var state = typing.Remote(Version(2, V1 with { Name = "Oak table", Price = 120m }));

        Assert.Equal("Oak desk XL", state.Mine.Name);
        Assert.Equal(120m, state.Mine.Price);
        Assert.Equal(["Name"], state.Touched);
        // The save still expects version 1 (the merge base), and the page says the fields show version 2.
        Assert.Equal(1, state.Base!.Version);
        Assert.Equal(2, state.ShownVersion!.Version);
        Assert.Equal("Fields you have not changed show version 2, saved by Bob; your changes are still based on version 1.", state.PickedUpNote);
        Assert.Equal("Bob saved version 2 (changed: Name, Price).", state.Note);
        // My edits as a merge sees them: only the name, against the base version 1.
        Assert.Equal(V1 with { Name = "Oak desk XL" }, state.MineForMerge());
        Assert.Equal(V1, state.MergeBase());
    }

    [Fact]
    public void RemoteChange_OlderThanWhatIsShown_ChangesNothing()
    {
        var state = Opened().Edit(V1 with { Stock = 6 }).Remote(Version(3, V1 with { Price = 130m }));

        Assert.Same(state, state.Remote(Version(2, V1 with { Price = 120m })));
    }

    [Fact]
    public void TypingOverAPickedUpValue_CountsAsMyChangeFromTheirValue()
    {
        var picked = Opened().Edit(V1 with { Name = "Mine" }).Remote(Version(2, V1 with { Price = 120m }));

        // Typing the picked-up 120 back to 100 is a change of mine; the merge must start from their 120.
        var state = picked.Edit(picked.Mine with { Price = 100m });

        Assert.Equal(120m, state.MergeBase().Price);
        Assert.Equal(100m, state.MineForMerge().Price);
        var merge = ThreeWayMerge.Merge(state.MergeBase(), state.MineForMerge(), state.Theirs!.Values, ProductValues.Fields);
        Assert.Equal(100m, merge.Merged.Price);
        Assert.False(merge.HasConflicts);
    }

    [Fact]
    public void RemoteDelete_KeepsMyValuesAndAResaveCreatesANewRecord()
    {
        var typed = V1 with { Stock = 9 };
        var state = Opened().Edit(typed).RemoteDeleted("Bob");

        Assert.Equal("Bob", state.DeletedBy);
        Assert.Equal(typed, state.Mine);
        var recreating = state.Recreating();
        Assert.True(recreating.IsNew);
        Assert.Equal(typed, recreating.MineForMerge());
        Assert.Null(recreating.DeletedBy);
    }

    [Fact]
    public void DraftRestored_OnTheSameVersion_IsMyEdits()
    {
        var draft = V1 with { Price = 99m };

        var state = EditState.Restore(Shape, Version(1, V1, "Seed"), new RestoredDraft(At, 1), draft, started: null)!;

        Assert.Equal(["Price"], state.Touched);
        Assert.False(state.ReviewPending);
        Assert.Equal("Nothing is saved until you press Save.", state.DraftNote);
    }

    [Fact]
    public void DraftRestored_AgainstANewerVersion_IsWordedAsADraftAndAsksForReview()
    {
        var draft = V1 with { Price = 99m };
        var current = Version(2, V1 with { Stock = 7 });

        var state = EditState.Restore(Shape, current, new RestoredDraft(At, 1), draft, started: Version(1, V1, "Seed"))!;

        Assert.Equal(1, state.Base!.Version);
        Assert.Equal(99m, state.Mine.Price);
        Assert.Equal(7, state.Mine.Stock);
        Assert.True(state.ReviewPending);
        Assert.Equal("They are based on version 1; Bob saved version 2 since. Review merges them; nothing is saved until you do.", state.DraftNote);
        Assert.DoesNotContain("while you were editing", state.Note ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void DraftRestored_WhenItsBaseIsNoLongerInTheHistory_WarnsOnTheCurrentVersion()
    {
        var state = EditState.Restore(Shape, Version(9, V1), new RestoredDraft(At, 1), V1 with { Price = 99m }, started: null)!;

        Assert.Equal(9, state.Base!.Version);
        Assert.Contains("no longer in the history; this is version 9", state.DraftNote, StringComparison.Ordinal);
    }

    [Fact]
    public void DraftRestored_OfADeletedRecordThatTheHistoryHas_OffersToCreateItAgain()
    {
        var state = EditState.Restore(Shape, null, new RestoredDraft(At, 1), V1 with { Price = 99m }, Version(1, V1, "Seed"), "Bob")!;

        Assert.Equal("Bob", state.DeletedBy);
        Assert.Equal("They are based on version 1; Bob deleted it since.", state.DraftNote);
        Assert.Null(EditState.Restore(Shape, null, new RestoredDraft(At, 1), V1, started: null));
    }

    [Fact]
    public void Draft_OfAValueTypedBackOverAPickedUpOne_RestoresWhatWasTyped()
    {
        // Review finding: Bob's v2 price (120) was picked up and Alice typed it back to 100: her change.
        var v2 = Version(2, V1 with { Price = 120m });
        var state = Opened().Edit(V1 with { Name = "Oak desk XL" }).Remote(v2);
        state = state.Edit(state.Mine with { Price = 100m });

        var restored = EditState.Restore(Shape, v2, new RestoredDraft(At, state.Base!.Version), state.MineForMerge(), Version(1, V1, "Seed"), mergeBase: state.MergeBase())!;

        Assert.Equal(100m, restored.Mine.Price);
        Assert.Equal("Oak desk XL", restored.Mine.Name);
        Assert.Equal(["Name", "Price"], restored.Touched);
        Assert.Equal(120m, restored.MergeBase().Price);
        // Without what it started from (an older draft), the typed-back price reads as untouched: the negative control.
        Assert.Equal(120m, EditState.Restore(Shape, v2, new RestoredDraft(At, 1), state.MineForMerge(), Version(1, V1, "Seed"))!.Mine.Price);
    }

    [Fact]
    public void Draft_WhoseBaseIsNoLongerInTheHistory_CountsOnlyWhatItChanged_WhenItKeptWhatItStartedFrom()
    {
        var current = Version(3, V1 with { Price = 130m });

        var restored = EditState.Restore(Shape, current, new RestoredDraft(At, 1), V1 with { Name = "Oak desk XL" }, started: null, mergeBase: V1)!;

        Assert.Equal(["Name"], restored.Touched);
        Assert.Equal(130m, restored.Mine.Price);
        Assert.True(restored.ReviewPending);
        Assert.Equal(1, restored.Base!.Version);
    }

    [Fact]
    public void LeaseLost_WhileTyping_KeepsEveryTypedValue()
    {
        var typed = V1 with { Name = "Half typed" };

        var state = Opened().Edit(typed).LeaseLost();

        Assert.True(state.CheckoutEnded);
        Assert.Equal(typed, state.Mine);
        Assert.Equal(["Name"], state.Touched);
        Assert.Equal(typed, state.MineForMerge());
    }

    [Fact]
    public void SecondConflictDuringAMerge_MergesFromTheFirstTheirs()
    {
        var mine = V1 with { Price = 110m };
        var first = Version(2, V1 with { Stock = 6 });
        var merged = ThreeWayMerge.Merge(V1, mine, first.Values, ProductValues.Fields).Merged;

        // The user saved the merge; before it landed Carol saved version 3.
        var rebased = Opened().Edit(mine).Rebased(first, merged);
        var second = Version(3, first.Values with { Name = "Carol's name" }, "Carol");
        var again = ThreeWayMerge.Merge(rebased.MergeBase(), rebased.MineForMerge(), second.Values, ProductValues.Fields);

        Assert.Equal(2, rebased.Base!.Version);
        Assert.Equal(first.Values, rebased.MergeBase());
        Assert.False(again.HasConflicts);
        Assert.Equal(V1 with { Price = 110m, Stock = 6, Name = "Carol's name" }, again.Merged);
    }

    [Fact]
    public void Saved_KeepsWhatWasTypedWhileTheSaveWasOnItsWay()
    {
        var sent = V1 with { Name = "Sent" };
        var state = Opened().Edit(sent).Edit(sent with { Stock = 8 });

        var after = state.Saved(Version(2, sent with { Name = "Sent" }, "Alice"), sent);

        Assert.Equal(2, after.Base!.Version);
        Assert.Equal(["Stock"], after.Touched);
        Assert.Equal(8, after.Mine.Stock);
    }

    [Fact]
    public void Saved_AfterANewerVersionWasPickedUpWhileTheSaveWasOnItsWay_KeepsItTheirsNotMine()
    {
        // Review finding: Alice's save commits v2 (price); Bob's v3 (stock) on top arrives before her save returns.
        var sent = V1 with { Price = 120m };
        var pickedUp = Opened().Edit(sent).Remote(Version(3, sent with { Stock = 9 }));

        var state = pickedUp.Saved(Version(2, sent, "Alice"), sent);

        // Nothing of mine is left, so the form simply shows Bob's version, saying so.
        Assert.Empty(state.Touched);
        Assert.Equal(9, state.Mine.Stock);
        Assert.Equal(3, state.Base!.Version);
        Assert.Equal("Bob saved version 3 (changed: Stock).", state.Note);
    }

    [Fact]
    public void Saved_WithTypingInFlightAndANewerVersion_KeepsTheTypingOnTheSavedVersion_AndPicksUpTheRest()
    {
        var sent = V1 with { Price = 120m };
        var state = Opened().Edit(sent).Remote(Version(3, sent with { Stock = 9 })).Edit(sent with { Stock = 9, Name = "Typed meanwhile" });

        var after = state.Saved(Version(2, sent, "Alice"), sent);

        Assert.Equal(["Name"], after.Touched);
        Assert.Equal(2, after.Base!.Version);
        Assert.Equal(3, after.ShownVersion!.Version);
        Assert.Equal(9, after.Mine.Stock);
    }

    [Fact]
    public void Saved_TakesTheStoredFormOfWhatWasSent()
    {
        var sent = V1 with { Sku = " oak-1 " };

        var after = Opened().Edit(sent).Saved(Version(2, V1 with { Sku = "OAK-1" }, "Alice"), sent);

        Assert.False(after.HasChanges);
    }

    [Fact]
    public void MergedClean_SaysWhatTheirSideBroughtAndRebases()
    {
        var theirs = Version(2, V1 with { Price = 120m });

        var state = Opened().Edit(V1 with { Stock = 1 }).MergedClean(theirs, V1 with { Stock = 1, Price = 120m }, ["Price"], valid: true);

        Assert.Equal("Merged Bob's change to Price with yours — Save to keep both.", state.MergeNote);
        Assert.Equal(2, state.Base!.Version);
        Assert.Equal(["Stock"], state.Touched);
    }

    [Fact]
    public void OrderRemoteChange_PicksUpTheirLinesAndSaysWhatChanged()
    {
        var desk = new OrderLine(Guid.NewGuid(), 1, "OAK-DES-001", "Desk", 1, 300m);
        var chair = new OrderLine(Guid.NewGuid(), 2, "OAK-CHA-001", "Chair", 2, 60m);
        var lamp = new OrderLine(Guid.NewGuid(), 3, "LAMP-1", "Lamp", 1, 20m);
        var v1 = new OrderValues(new OrderHeader("Acme", OrderStatus.Draft, string.Empty), [desk, chair]);
        var opened = EditState.Loaded<OrderValues>(OrderShape.Instance, new(v1, 1, "Seed", At));

        // I change the desk's quantity; Bob changes the notes, removes the chair and adds a lamp.
        var mine = opened.Edit(v1.WithLine(desk with { Quantity = 2 }));
        var theirs = new OrderValues(v1.Header with { Notes = "Rush" }, [desk, lamp]);
        var state = mine.Remote(new(theirs, 2, "Bob", At));

        Assert.Equal("Bob saved version 2 (changed: Notes, OAK-CHA-001 (removed), LAMP-1 (added)).", state.Note);
        Assert.Equal("Rush", state.Mine.Header.Notes);
        Assert.Equal([desk.LineId, lamp.LineId], state.Mine.Lines.Select(l => l.LineId));
        Assert.Equal(2, state.Mine.Lines[0].Quantity);
        // The running total is of what the form shows: my desk quantity and their lamp.
        Assert.Equal(620m, state.Mine.Total);
        Assert.Equal([OrderShape.LinePart(desk.LineId)], state.Touched);
        // The merge sees only my desk change against version 1.
        Assert.Equal(v1.WithLine(desk with { Quantity = 2 }), state.MineForMerge(), OrderValuesComparer.Instance);
    }

    [Fact]
    public void OrderRemoteChange_ThatOnlyRelinksTheCustomer_IsPickedUpAsACustomerChange()
    {
        var v1 = new OrderValues(new OrderHeader("Acme", OrderStatus.Draft, string.Empty), []);
        var opened = EditState.Loaded<OrderValues>(OrderShape.Instance, new(v1, 1, "Seed", At));

        var state = opened.Edit(v1.WithHeader(v1.Header with { Notes = "mine" })).Remote(new(v1.WithHeader(v1.Header with { CustomerId = 5 }), 2, "Bob", At));

        Assert.Equal("Bob saved version 2 (changed: Customer).", state.Note);
        Assert.Equal(5, state.Mine.Header.CustomerId);
        Assert.Equal("mine", state.Mine.Header.Notes);
        Assert.Equal(["Notes"], state.Touched);
    }

    /// <summary>Orders compare their lines by value.</summary>
    private sealed class OrderValuesComparer : IEqualityComparer<OrderValues>
    {
        public static readonly OrderValuesComparer Instance = new();

        public bool Equals(OrderValues? x, OrderValues? y) => x is not null && x.SameAs(y);

        public int GetHashCode(OrderValues obj) => obj.Header.GetHashCode();
    }
}
