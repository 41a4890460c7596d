namespace CollabEditor.Core.Editing;

/// <summary>
/// Where one editor is in the editing life-cycle (DESIGN.md "Optimistic saves"), for any record kind:
/// what the form is based on, what it showed, what the user typed, what arrived from others. Pure and
/// immutable: every event returns the next state, so each transition is tested without a page.
/// </summary>
/// <remarks>
/// A part is <em>touched</em> when the form's value differs from what the form last showed without the
/// user typing (<see cref="Shown"/>). Untouched parts pick up other people's saves as they arrive;
/// touched ones stay as typed until a save merges them.
/// </remarks>
public sealed record EditState<T>
    where T : class
{
    internal EditState(RecordShape<T> shape, Versioned<T>? @base, T shown, T mine)
    {
        Shape = shape;
        Base = @base;
        Shown = shown;
        Mine = mine;
    }

    public RecordShape<T> Shape { get; }

    /// <summary>The version my edits are based on: the expected version of a save and the merge's base. Null for a record not created yet.</summary>
    public Versioned<T>? Base { get; init; }

    /// <summary>What the form last showed for each part without the user typing.</summary>
    public T Shown { get; init; }

    /// <summary>What the form holds now: the user's edits over <see cref="Shown"/>.</summary>
    public T Mine { get; init; }

    /// <summary>A newer version someone saved while I had edits; its values are in every part I had not touched.</summary>
    public Versioned<T>? Theirs { get; init; }

    /// <summary>Who deleted the record while it was open (my values stay in the form).</summary>
    public string? DeletedBy { get; init; }

    /// <summary>What happened that the user should know: "Bob saved version 8 (changed: Price, Stock).".</summary>
    public string? Note { get; init; }

    /// <summary>A clean merge waiting in the form for the user's Save.</summary>
    public string? MergeNote { get; init; }

    /// <summary>The draft the form was restored from, until a save or a discard.</summary>
    public RestoredDraft? Draft { get; init; }

    /// <summary>The restored draft started from an older version: the merge is to be shown as soon as the page is.</summary>
    public bool ReviewPending { get; init; }

    /// <summary>My check-out ended while I had the record open: the next save goes the optimistic way.</summary>
    public bool CheckoutEnded { get; init; }

    public bool IsNew => Base is null;

    /// <summary>The parts the user changed, in form order.</summary>
    public IReadOnlyList<string> Touched => [.. Shape.PartsOf(Mine, Shown).Where(IsTouched)];

    public bool HasChanges => Shape.PartsOf(Mine, Shown).Any(IsTouched);

    public bool IsTouched(string part) => !Equals(Shape.ValueOf(Mine, part), Shape.ValueOf(Shown, part));

    /// <summary>The version the untouched parts show: <see cref="Theirs"/> once they picked it up, else the base.</summary>
    public Versioned<T>? ShownVersion => Theirs ?? Base;

    /// <summary>Said under the version line when untouched fields show a newer version than the one a save expects.</summary>
    public string? PickedUpNote => Theirs is null ? null
        : $"Fields you have not changed show version {Theirs.Version}, saved by {Theirs.ChangedBy}; your changes are still based on version {Base!.Version}.";

    /// <summary>Words for the restored-draft alert after "Restored your unsaved changes from …".</summary>
    public string? DraftNote => Draft switch
    {
        null => null,
        { Warning: { } warning } => warning,
        _ when DeletedBy is not null => $"They are based on version {Draft.BaseVersion}; {DeletedBy} deleted it since.",
        _ when Theirs is not null => $"They are based on version {Draft.BaseVersion}; {Theirs.ChangedBy} saved version {Theirs.Version} since. Review merges them; nothing is saved until you do.",
        _ when Base is not null && Base.Version != Draft.BaseVersion => $"They are based on version {Draft.BaseVersion}; {Base.ChangedBy} saved version {Base.Version} since, and the form shows them merged with it. Nothing is saved until you press Save.",
        _ => "Nothing is saved until you press Save.",
    };

    /// <summary>The user typed: the form holds <paramref name="mine"/>.</summary>
    public EditState<T> Edit(T mine) => this with { Mine = mine };

    /// <summary>
    /// Someone else committed <paramref name="current"/>. Without edits the form simply shows it; with
    /// edits, untouched parts pick it up and touched ones stay as typed (the banner offers Review).
    /// </summary>
    public EditState<T> Remote(Versioned<T> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var known = ShownVersion;
        if (known is null || current.Version <= known.Version)
        {
            return this;
        }

        var changed = Shape.Changes(known.Values, current.Values);
        var note = changed.Count == 0
            ? $"{current.ChangedBy} saved version {current.Version}."
            : $"{current.ChangedBy} saved version {current.Version} (changed: {string.Join(", ", changed)}).";
        if (!HasChanges)
        {
            return EditState.Loaded(Shape, current) with { Note = note, CheckoutEnded = CheckoutEnded };
        }

        var mine = Mine;
        var shown = Shown;
        foreach (var part in Shape.PartsOf(Mine, Shown, current.Values))
        {
            if (!IsTouched(part))
            {
                mine = Shape.WithValue(mine, part, Shape.ValueOf(current.Values, part));
                shown = Shape.WithValue(shown, part, Shape.ValueOf(current.Values, part));
            }
        }

        return this with { Mine = mine, Shown = shown, Theirs = current, Note = note, DeletedBy = null };
    }

    /// <summary>Someone deleted the record: my values stay, a save would create it again.</summary>
    public EditState<T> RemoteDeleted(string by) => this with { DeletedBy = by, Theirs = null, Note = null };

    /// <summary>My check-out ended (expired, checked in elsewhere, released by an administrator): my edits stay, the next save is version-checked and merged.</summary>
    public EditState<T> LeaseLost() => this with { CheckoutEnded = true };

    /// <summary>
    /// What my edits started from, part by part: the base, except where I typed over a value picked up
    /// from someone else's save — there I started from their value (typing a picked-up 12 back to 10 is
    /// my change; against the old base it would read as "unchanged" and the merge would take their 12).
    /// </summary>
    public T MergeBase()
    {
        var merged = Base?.Values ?? Shown;
        foreach (var part in Touched)
        {
            if (!Equals(Shape.ValueOf(Shown, part), Shape.ValueOf(merged, part)))
            {
                merged = Shape.WithValue(merged, part, Shape.ValueOf(Shown, part));
            }
        }

        return merged;
    }

    /// <summary>My edits as a merge sees them: parts I did not touch count as unchanged from the base.</summary>
    public T MineForMerge()
    {
        if (Base is null)
        {
            return Mine;
        }

        var mine = Base.Values;
        foreach (var part in Touched)
        {
            mine = Shape.WithValue(mine, part, Shape.ValueOf(Mine, part));
        }

        return mine;
    }

    /// <summary>
    /// My save of <paramref name="sent"/> committed <paramref name="saved"/>. What was typed while it was
    /// on its way (a slow link, a retried commit) stays as unsaved edits on the saved version; a newer
    /// version someone saved meanwhile stays picked up, never as my edit.
    /// </summary>
    public EditState<T> Saved(Versioned<T> saved, T sent)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(sent);
        var next = EditState.Loaded(Shape, saved);
        var mine = saved.Values;
        foreach (var part in Shape.PartsOf(Mine, sent))
        {
            // Typed meanwhile: differs from what was sent and is mine (a part picked up from their newer version is not).
            if (IsTouched(part) && !Equals(Shape.ValueOf(Mine, part), Shape.ValueOf(sent, part)))
            {
                mine = Shape.WithValue(mine, part, Shape.ValueOf(Mine, part));
            }
        }

        next = next with { Mine = mine };
        return Theirs is { } theirs && theirs.Version > saved.Version ? next.Remote(theirs) : next;
    }

    /// <summary>A save found <paramref name="theirs"/> already holds everything I changed.</summary>
    public EditState<T> NothingLeft(Versioned<T> theirs) =>
        EditState.Loaded(Shape, theirs) with { Note = $"{theirs.ChangedBy} saved version {theirs.Version}, which already has your changes: nothing left to save." };

    /// <summary>
    /// A stale save merged without conflicts: the form shows the merge on <paramref name="theirs"/> (the
    /// next Save expects their version) and says so. Never saved here: the user sees it first.
    /// </summary>
    public EditState<T> MergedClean(Versioned<T> theirs, T merged, IReadOnlyList<string> theirChanges, bool valid)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        ArgumentNullException.ThrowIfNull(theirChanges);
        var what = theirChanges.Count == 0
            ? $"Merged {theirs.ChangedBy}'s version {theirs.Version} with your changes"
            : $"Merged {theirs.ChangedBy}'s change{(theirChanges.Count == 1 ? "" : "s")} to {string.Join(", ", theirChanges)} with yours";
        return Rebased(theirs, merged) with
        {
            MergeNote = what + (valid ? " — Save to keep both." : " — it cannot be saved as it stands: see the marked fields."),
        };
    }

    /// <summary>The user settled a conflict with <paramref name="merged"/>: my edits now stand on <paramref name="theirs"/>; a further conflict merges again from there.</summary>
    public EditState<T> Rebased(Versioned<T> theirs, T merged) =>
        this with { Base = theirs, Shown = theirs.Values, Mine = merged, Theirs = null, Note = null, DeletedBy = null, MergeNote = null };

    /// <summary>"Discard mine": the form shows <paramref name="theirs"/>.</summary>
    public EditState<T> Discarded(Versioned<T> theirs) => EditState.Loaded(Shape, theirs);

    /// <summary>Saving a deleted record again: my values become a new record.</summary>
    public EditState<T> Recreating() => this with { Base = null, Shown = Mine, Theirs = null, DeletedBy = null };
}

/// <summary>Where an editor's life-cycle starts: <see cref="EditState{T}"/> opened, created or restored from a draft.</summary>
public static class EditState
{
    /// <summary>A record opened at <paramref name="current"/>.</summary>
    public static EditState<T> Loaded<T>(RecordShape<T> shape, Versioned<T> current)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(current);
        return new EditState<T>(shape, current, current.Values, current.Values);
    }

    /// <summary>A record being created, starting from <paramref name="empty"/>.</summary>
    public static EditState<T> Creating<T>(RecordShape<T> shape, T empty)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new EditState<T>(shape, null, empty, empty);
    }

    /// <summary>
    /// Reopening with a draft. On the version it started from, the draft is simply my edits. Started
    /// on an older version: based on that one, with the newer version picked up where the draft did not
    /// change anything, and the merge to be reviewed. A draft that kept what it started from part by part
    /// (<paramref name="mergeBase"/>) needs nothing more; an older one needs that version from the history
    /// (<paramref name="started"/>) and, without it, is shown on the current version with a warning.
    /// Null when the record is gone and nothing can be merged.
    /// </summary>
    public static EditState<T>? Restore<T>(RecordShape<T> shape, Versioned<T>? current, RestoredDraft draft, T values, Versioned<T>? started, string? deletedBy = null, T? mergeBase = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (mergeBase is not null)
        {
            // Exactly what the edits started from: a value typed back over a picked-up one stays my change.
            var from = new Versioned<T>(mergeBase, draft.BaseVersion, started?.ChangedBy ?? "someone", started?.At ?? draft.SavedAt);
            var kept = new EditState<T>(shape, current?.Version == draft.BaseVersion ? current : from, mergeBase, values) { Draft = draft };
            return current is null ? (deletedBy is null ? null : kept.RemoteDeleted(deletedBy) with { Draft = draft })
                : current.Version == draft.BaseVersion ? kept
                : kept.Remote(current) with { Draft = draft, ReviewPending = kept.HasChanges };
        }

        if (current is not null && draft.BaseVersion == current.Version)
        {
            return Loaded(shape, current) with { Mine = values, Draft = draft };
        }

        if (started is null)
        {
            return current is null ? null : Loaded(shape, current) with
            {
                Mine = values,
                Draft = draft with { Warning = $"They were made on version {draft.BaseVersion}, which is no longer in the history; this is version {current.Version}. Check every field before saving." },
            };
        }

        var restored = Loaded(shape, started) with { Mine = values, Draft = draft };
        return current is null
            ? restored.RemoteDeleted(deletedBy ?? "Someone") with { Draft = draft }
            : restored.Remote(current) with { Draft = draft, ReviewPending = restored.HasChanges };
    }

}
