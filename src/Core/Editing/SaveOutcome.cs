using CollabEditor.Core.Validation;

namespace CollabEditor.Core.Editing;

/// <summary>What became of an editor's save, whatever the record kind's store calls it.</summary>
public abstract record SaveOutcome<T>
    where T : class
{
    private SaveOutcome()
    {
    }

    /// <summary>Committed as <paramref name="Current"/> (<paramref name="Id"/>: the record's id, new on a create).</summary>
    public sealed record Saved(int Id, Versioned<T> Current) : SaveOutcome<T>;

    /// <summary>Someone else committed first; nothing was written.</summary>
    public sealed record Conflict(Versioned<T> Theirs) : SaveOutcome<T>;

    /// <summary>The record is gone; nothing was written.</summary>
    public sealed record Deleted : SaveOutcome<T>;

    /// <summary>Refused for a reason the user can act on (checked out by someone, check-out ended or required); nothing was written.</summary>
    public sealed record Refused(string Message) : SaveOutcome<T>;

    /// <summary>A rule is broken; nothing was written.</summary>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : SaveOutcome<T>;
}

/// <summary>What the user decided in a conflict dialog.</summary>
public abstract record MergeDecision<T>
    where T : class
{
    private MergeDecision()
    {
    }

    /// <summary>Save these merged values (version-checked against theirs).</summary>
    public sealed record SaveMerged(T Values) : MergeDecision<T>;

    /// <summary>Throw my edits away and show what is saved now (the only path that drops typing).</summary>
    public sealed record DiscardMine : MergeDecision<T>;

    /// <summary>Close the dialog and keep editing.</summary>
    public sealed record KeepEditing : MergeDecision<T>;

    /// <summary>The record was deleted: create it again from these values.</summary>
    public sealed record Recreate(T Values) : MergeDecision<T>;
}
