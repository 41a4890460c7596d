using CollabEditor.Core.Merging;
using CollabEditor.Core.Orders;
using MudBlazor;

namespace CollabEditor.WebApp.Merging;

/// <summary>The words and colours both conflict dialogs use for what the merge did, so products and orders say the same.</summary>
public static class MergeLabels
{
    public static string Of(FieldOutcome outcome) => outcome switch
    {
        FieldOutcome.MineOnly => "yours",
        FieldOutcome.TheirsOnly => "theirs",
        FieldOutcome.BothSame => "same on both",
        _ => "unchanged",
    };

    public static Color ColorOf(FieldOutcome outcome) => outcome switch
    {
        FieldOutcome.MineOnly => Color.Primary,
        FieldOutcome.TheirsOnly => Color.Secondary,
        FieldOutcome.BothSame => Color.Success,
        _ => Color.Default,
    };

    /// <summary>A line merged without a decision: who added, removed or changed it.</summary>
    public static string Of(LineMerge line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Outcome switch
        {
            LineOutcome.AddedByMe => "added by you",
            LineOutcome.AddedByThem => "added by them",
            LineOutcome.RemovedByMe => "removed by you",
            LineOutcome.RemovedByThem => "removed by them",
            LineOutcome.RemovedByBoth => "removed by both",
            LineOutcome.Merged => line.ChangedBy switch
            {
                LineChangedBy.Me => "yours",
                LineChangedBy.Them => "theirs",
                LineChangedBy.BothSame => "same on both",
                LineChangedBy.Both => "yours and theirs",
                _ => "unchanged",
            },
            _ => "unchanged",
        };
    }

    public static Color ColorOf(LineMerge line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Outcome switch
        {
            LineOutcome.AddedByMe or LineOutcome.RemovedByMe => Color.Primary,
            LineOutcome.AddedByThem or LineOutcome.RemovedByThem => Color.Secondary,
            LineOutcome.RemovedByBoth => Color.Success,
            LineOutcome.Merged => line.ChangedBy switch
            {
                LineChangedBy.Me => Color.Primary,
                LineChangedBy.Them => Color.Secondary,
                LineChangedBy.BothSame => Color.Success,
                LineChangedBy.Both => Color.Info,
                _ => Color.Default,
            },
            _ => Color.Default,
        };
    }
}
