using CollabEditor.Core.Editing;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Validation;
using MudBlazor;

namespace CollabEditor.WebApp.Merging;

/// <summary>A record of fixed fields as its conflict dialog needs it: what to call it, its fields, its rules, which texts are long.</summary>
/// <param name="LongTexts">Fields shown once per side with the changed words marked, and edited in a growing box.</param>
public sealed record FieldRecord<T>(string Noun, IReadOnlyList<MergeField<T>> Fields, Func<T, IReadOnlyList<FieldError>> Validate, IReadOnlySet<string> LongTexts)
    where T : class;

/// <summary>Opens <see cref="FieldConflictDialog{T}"/>, the field-by-field conflict dialog of products and customers.</summary>
public static class FieldConflicts
{
    /// <summary>Opens the dialog and waits for the user's decision (closing it any other way keeps editing).</summary>
    public static async Task<MergeDecision<T>> ShowAsync<T>(IDialogService dialogs, FieldRecord<T> record, MergeResult<T> merge, Versioned<T>? theirs, int baseVersion,
        T? shown = null, string since = "while you were editing")
        where T : class
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        var parameters = new DialogParameters<FieldConflictDialog<T>>
        {
            { x => x.Record, record },
            { x => x.Merge, merge },
            { x => x.Theirs, theirs },
            { x => x.BaseVersion, baseVersion },
            { x => x.Shown, shown },
            { x => x.Since, since },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, BackdropClick = false, CloseOnEscapeKey = false };
        var reference = await dialogs.ShowAsync<FieldConflictDialog<T>>(null, parameters, options);
        var result = await reference.Result;
        var chosen = result is { Canceled: false, Data: MergeDecision<T> decision } ? decision : new MergeDecision<T>.KeepEditing();
        if (chosen is MergeDecision<T>.SaveMerged)
        {
            Data.Diagnostics.CollabMetrics.Merges.Add(1);
        }

        return chosen;
    }
}
