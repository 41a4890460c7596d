namespace CollabEditor.Core.Merging;

/// <summary>What happened to one field between base, mine and theirs.</summary>
public enum FieldOutcome
{
    /// <summary>Nobody changed it.</summary>
    Unchanged,
    /// <summary>Only I changed it: my value wins.</summary>
    MineOnly,
    /// <summary>Only they changed it: their value wins.</summary>
    TheirsOnly,
    /// <summary>Both changed it to the same value.</summary>
    BothSame,
    /// <summary>Both changed it to different values: the user decides.</summary>
    Conflict,
}

/// <summary>The three values of one field and what the merge made of them.</summary>
public sealed record FieldMerge(string Name, string Label, Type ValueType, object? Base, object? Mine, object? Theirs, FieldOutcome Outcome)
{
    /// <summary>The merged value; for a real conflict this is mine until the user decides otherwise.</summary>
    public object? Merged => Outcome is FieldOutcome.TheirsOnly ? Theirs : Mine;

    /// <summary>True when base, mine and theirs disagree in a way only the user can settle.</summary>
    public bool IsConflict => Outcome == FieldOutcome.Conflict;
}

/// <summary>The outcome of a three-way merge of a whole record.</summary>
/// <param name="Merged">
/// Theirs with every non-overlapping change of mine applied; real conflicts hold mine provisionally.
/// When theirs was deleted this is mine, ready to be recreated.
/// </param>
/// <param name="Fields">Every field with its base, mine, theirs and outcome, in form order.</param>
/// <param name="TheirsDeleted">True when someone else deleted the record.</param>
public sealed record MergeResult<T>(T Merged, IReadOnlyList<FieldMerge> Fields, bool TheirsDeleted)
{
    /// <summary>Fields changed by both sides to different values.</summary>
    public IEnumerable<FieldMerge> Conflicts => Fields.Where(f => f.IsConflict);

    /// <summary>True when at least one field needs the user's decision.</summary>
    public bool HasConflicts => Fields.Any(f => f.IsConflict);
}

/// <summary>Field-level three-way merge (DESIGN.md "Optimistic saves"). Pure: no I/O, no clock.</summary>
public static class ThreeWayMerge
{
    /// <summary>
    /// Merges my edits and their committed version against the base both started from.
    /// <paramref name="theirs"/> is null when the record was deleted by someone else.
    /// </summary>
    public static MergeResult<T> Merge<T>(T @base, T mine, T? theirs, IReadOnlyList<MergeField<T>> fields)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(fields);

        if (theirs is null)
        {
            var mineOnly = fields
                .Select(f => new FieldMerge(f.Name, f.Label, f.ValueType, f.Get(@base), f.Get(mine), null,
                    Same(f.Get(@base), f.Get(mine)) ? FieldOutcome.Unchanged : FieldOutcome.MineOnly))
                .ToList();
            return new MergeResult<T>(mine, mineOnly, TheirsDeleted: true);
        }

        var merged = theirs;
        var results = new List<FieldMerge>(fields.Count);
        foreach (var field in fields)
        {
            var b = field.Get(@base);
            var m = field.Get(mine);
            var t = field.Get(theirs);
            var outcome = Classify(b, m, t);
            var result = new FieldMerge(field.Name, field.Label, field.ValueType, b, m, t, outcome);
            if (outcome is FieldOutcome.MineOnly or FieldOutcome.Conflict)
            {
                merged = field.With(merged, m);
            }

            results.Add(result);
        }

        return new MergeResult<T>(merged, results, TheirsDeleted: false);
    }

    /// <summary>Classifies one field's three values.</summary>
    public static FieldOutcome Classify(object? @base, object? mine, object? theirs)
    {
        var mineChanged = !Same(@base, mine);
        var theirsChanged = !Same(@base, theirs);
        return (mineChanged, theirsChanged) switch
        {
            (false, false) => FieldOutcome.Unchanged,
            (true, false) => FieldOutcome.MineOnly,
            (false, true) => FieldOutcome.TheirsOnly,
            _ => Same(mine, theirs) ? FieldOutcome.BothSame : FieldOutcome.Conflict,
        };
    }

    private static bool Same(object? a, object? b) => Equals(a, b);
}
