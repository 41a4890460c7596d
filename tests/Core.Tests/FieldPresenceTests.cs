using CollabEditor.Core.Editing;

namespace CollabEditor.Core.Tests;

/// <summary>Who is in which field and when a field is soft-locked for me (issue 15).</summary>
public sealed class FieldPresenceTests
{
    private const string Me = "alice-id";

    private static PresenceOther Bob(string? field = null, bool idle = false, params string[] changing) => new("bob-id", "Bob", field, changing, idle);

    private static PresenceOther Carol(string? field = null, bool idle = false, params string[] changing) => new("carol-id", "Carol", field, changing, idle);

    private static FieldPresence Compute(IReadOnlyCollection<string>? touched = null, bool locks = true, params PresenceOther[] others) =>
        FieldPresence.From(others, Me, touched ?? [], locks);

    [Fact]
    public void ACursorInAField_ShowsTheName_WithoutLocking()
    {
        var state = Compute(others: Bob("Price")).For("Price");

        Assert.Equal(["Bob"], state.InField);
        Assert.Empty(state.Changing);
        Assert.Null(state.LockedBy);
    }

    [Fact]
    public void AFieldNobodyIsIn_IsEmpty()
    {
        var state = Compute(others: Bob("Price")).For("Name");

        Assert.Same(FieldState.Empty, state);
        Assert.False(state.AnyoneElse);
    }

    [Fact]
    public void SomeoneElseChangingAField_LocksItForMe_WhenLocksAreOn()
    {
        var state = Compute(others: Bob("Price", false, "Price")).For("Price");

        Assert.Equal(["Bob"], state.Changing);
        Assert.Equal("Bob", state.LockedBy);
    }

    [Fact]
    public void SomeoneElseChangingAField_DoesNotLockIt_WhenLocksAreOff()
    {
        var state = Compute(locks: false, others: Bob("Price", false, "Price")).For("Price");

        Assert.Equal(["Bob"], state.Changing);
        Assert.Null(state.LockedBy);
    }

    [Fact]
    public void ChangesThatWentIdle_NeitherLockNorCountAsChanging_ButTheCursorStillShows()
    {
        var state = Compute(others: Bob("Price", true, "Price")).For("Price");

        Assert.Empty(state.Changing);
        Assert.Null(state.LockedBy);
        Assert.Equal(["Bob"], state.InField);
    }

    [Fact]
    public void AFieldIHaveTouched_NeverLocksUnderMe_ButShowsWhoElseIsChangingIt()
    {
        var state = Compute(touched: ["Price"], others: Bob("Price", false, "Price")).For("Price");

        Assert.Null(state.LockedBy);
        Assert.Equal(["Bob"], state.Changing);
    }

    [Fact]
    public void TwoWhoStartWithinThePresenceDelay_NeitherGetsLocked()
    {
        // Both typed in Price before hearing of the other: each has it touched and sees the other changing it.
        var alice = new PresenceOther("alice-id", "Alice", "Price", ["Price"], false);
        var bob = Bob("Price", false, "Price");

        var forAlice = FieldPresence.From([bob], "alice-id", ["Price"], locksEnabled: true).For("Price");
        var forBob = FieldPresence.From([alice], "bob-id", ["Price"], locksEnabled: true).For("Price");

        Assert.Null(forAlice.LockedBy);
        Assert.Null(forBob.LockedBy);
        Assert.Equal(["Bob"], forAlice.Changing);
        Assert.Equal(["Alice"], forBob.Changing);
    }

    [Fact]
    public void ChangesElsewhereOnThePage_LockOnlyTheirOwnFields()
    {
        var presence = Compute(others: Bob("Name", false, "Name", "line-7"));

        Assert.Equal("Bob", presence.For("Name").LockedBy);
        Assert.Equal("Bob", presence.For("line-7").LockedBy);
        Assert.Null(presence.For("Price").LockedBy);
        Assert.Equal(["Bob"], presence.For("line-7").Changing);
        Assert.Empty(presence.For("line-7").InField);
    }

    [Fact]
    public void AnotherTabOfMine_CountsAsSomeoneElse_NamedAsSuch()
    {
        var otherTab = new PresenceOther(Me, "Alice", "Price", ["Price"], false);

        var state = Compute(others: otherTab).For("Price");

        Assert.Equal([FieldPresence.AnotherTabOfMine], state.InField);
        Assert.Equal(FieldPresence.AnotherTabOfMine, state.LockedBy);
    }

    [Fact]
    public void ManyPeople_AreEachNamedOnce_InTheOrderGiven()
    {
        var bobsSecondTab = Bob("Price", false, "Price");
        var state = Compute(others: [Bob("Price"), Carol("Price", false, "Price"), bobsSecondTab]).For("Price");

        Assert.Equal(["Bob", "Carol"], state.InField);
        Assert.Equal(["Carol", "Bob"], state.Changing);
        Assert.Equal("Carol", state.LockedBy);
        Assert.Equal(["Bob", "Carol"], state.Names);
    }

    [Fact]
    public void AnIdleChanger_DoesNotLock_WhileAFreshOneDoes()
    {
        var state = Compute(others: [Bob(null, true, "Price"), Carol(null, false, "Price")]).For("Price");

        Assert.Equal(["Carol"], state.Changing);
        Assert.Equal("Carol", state.LockedBy);
    }

    [Fact]
    public void NoOthers_NothingAnywhere()
    {
        Assert.Empty(FieldPresence.None.Fields);
        Assert.Empty(Compute().Fields);
    }
}
