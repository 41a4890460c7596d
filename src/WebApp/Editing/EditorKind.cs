using CollabEditor.Core.Editing;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using MudBlazor;

namespace CollabEditor.WebApp.Editing;

/// <summary>The mutable model a form binds to, loaded from and read back as a record kind's values.</summary>
public interface IEditForm<T>
    where T : class
{
    T ToValues();

    void Load(T values);
}

/// <summary>
/// A stale save merged for one record kind: what the merge made, whether the user must decide, what
/// their side brought, and how to ask the user (the kind's conflict dialog).
/// </summary>
public sealed record EditMerge<T>(T Merged, bool HasConflicts, IReadOnlyList<string> TheirChanges, Func<IDialogService, Task<MergeDecision<T>>> Review)
    where T : class;

/// <summary>
/// What one record kind contributes to the editor shell (<see cref="RecordEditor{T}"/>): its shape,
/// rules, store and conflict dialog. Everything else about editing is the shell's and the state model's.
/// One instance per open editor (registered transient): a kind may remember what it loaded.
/// </summary>
public abstract class EditorKind<T>
    where T : class
{
    public abstract RecordShape<T> Shape { get; }

    /// <summary>"product": used in messages ("the product was deleted") and test ids ("product-missing").</summary>
    public abstract string Noun { get; }

    /// <summary>The list page ("/products"); the editor of record 12 is "{ListHref}/12".</summary>
    public abstract string ListHref { get; }

    /// <summary>The values a new record starts from.</summary>
    public abstract T Empty { get; }

    public abstract string KeyFor(int id);

    /// <summary>The page heading for what the form shows (null: a new record).</summary>
    public abstract string Heading(T? shown);

    /// <summary>The browser tab's title before " · CollabEditor".</summary>
    public abstract string DocumentTitle(T? shown);

    /// <summary>Said when the record does not exist.</summary>
    public virtual string MissingMessage => $"This {Noun} does not exist (someone may have deleted it).";

    /// <summary>Whether a record someone deleted while it was open can be created again from the form.</summary>
    public virtual bool CanRecreate => true;

    /// <summary>The test id of the Save button while creating.</summary>
    public virtual string CreateTestId => "save";

    /// <summary>A record whose values say it must be checked out before saving.</summary>
    public virtual bool RequiresCheckout(T values) => false;

    /// <summary>A record whose values say it can no longer change (a fulfilled order).</summary>
    public virtual bool IsReadOnly(T values) => false;

    public abstract Task<Versioned<T>?> LoadAsync(int id);

    public abstract Task<SaveOutcome<T>> CreateAsync(T values, Actor actor);

    public abstract Task<SaveOutcome<T>> SaveAsync(int id, int expectedVersion, T values, Actor actor, Guid? leaseToken);

    /// <summary>A version as it was committed, from the history (a draft's base), or null when the history no longer has it.</summary>
    public abstract Task<Versioned<T>?> VersionAsync(int id, int version);

    /// <summary>The rules on <paramref name="values"/>, for a record saved as <paramref name="saved"/> (null: new).</summary>
    public abstract IReadOnlyList<FieldError> Validate(T? saved, T values);

    /// <summary>Merges my edits with theirs (null: deleted) against <paramref name="started"/>, the base both started from.</summary>
    public abstract EditMerge<T> Merge(T started, T mine, Versioned<T>? theirs, int baseVersion, T shown);
}
