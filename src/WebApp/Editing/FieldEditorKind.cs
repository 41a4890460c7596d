using CollabEditor.Core.Editing;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Validation;
using CollabEditor.WebApp.Merging;

namespace CollabEditor.WebApp.Editing;

/// <summary>
/// A record kind of fixed fields (products, customers): shape, rules and merge come from its
/// <see cref="FieldRecord{T}"/> — fields merged one by one, conflicts settled in <see cref="FieldConflictDialog{T}"/>.
/// </summary>
public abstract class FieldEditorKind<T>(FieldRecord<T> record) : EditorKind<T>
    where T : class
{
    private readonly FieldShape<T> _shape = new(record.Fields);

    public FieldRecord<T> Record => record;

    public override RecordShape<T> Shape => _shape;

    public override string Noun => record.Noun;

    public override IReadOnlyList<FieldError> Validate(T? saved, T values) => record.Validate(values);

    public override EditMerge<T> Merge(T started, T mine, Versioned<T>? theirs, int baseVersion, T shown, string since)
    {
        var merge = ThreeWayMerge.Merge(started, mine, theirs?.Values, record.Fields);
        return new(merge.Merged, merge.HasConflicts, [.. merge.Fields.Where(f => f.Outcome == FieldOutcome.TheirsOnly).Select(f => f.Label)],
            dialogs => FieldConflicts.ShowAsync(dialogs, record, merge, theirs, baseVersion, shown, since));
    }
}
