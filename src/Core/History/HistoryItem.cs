using CollabEditor.Core.Orders;

namespace CollabEditor.Core.History;

/// <summary>One entry of a record's timeline: a committed version or a lease event.</summary>
/// <param name="Id">The entry's id in its own table (increasing in commit order there).</param>
/// <param name="At">When it happened (database clock).</param>
public abstract record HistoryItem(long Id, DateTimeOffset At);

/// <summary>A committed version of a record, with what changed since the version before it.</summary>
/// <param name="Version">The record's version number.</param>
/// <param name="ChangedBy">Who committed it (for a deletion: who deleted).</param>
/// <param name="Deleted">True for the entry that records the deletion; its values are the last ones.</param>
public abstract record VersionEntry(long Id, DateTimeOffset At, int Version, string ChangedBy, bool Deleted) : HistoryItem(Id, At)
{
    /// <summary>What changed since the previous entry; <see cref="VersionDiff.First"/> for the oldest one.</summary>
    public VersionDiff Diff { get; init; } = VersionDiff.First;
}

/// <summary>A committed version with its values.</summary>
public sealed record VersionEntry<TValues>(long Id, DateTimeOffset At, int Version, string ChangedBy, bool Deleted, TValues Values)
    : VersionEntry(Id, At, Version, ChangedBy, Deleted);

/// <summary>
/// A lease event from the audit trail: granted, released, expired or force-released.
/// </summary>
/// <param name="Action">The audit action: <c>granted</c>, <c>released</c>, <c>expired</c>, <c>force-released</c>.</param>
/// <param name="UserName">Who did it (the administrator for a force-release).</param>
/// <param name="HolderName">Whose check-out it was.</param>
/// <param name="Reason">Why (force-release, expiry), when given.</param>
public sealed record LeaseEvent(long Id, DateTimeOffset At, string Action, string UserName, string HolderName, long Fencing, string? Reason) : HistoryItem(Id, At)
{
    /// <summary>The audit actions a history timeline shows; renewals and failed renewals are noise there.</summary>
    public static IReadOnlyList<string> Shown { get; } = ["granted", "released", "expired", "force-released"];
}

/// <summary>One field that differs between two versions.</summary>
public sealed record FieldChange(string Name, string Label, object? Old, object? New);

/// <summary>How an order line differs between two versions.</summary>
public enum LineChangeKind
{
    /// <summary>The line is new in this version.</summary>
    Added,
    /// <summary>The line was removed in this version.</summary>
    Removed,
    /// <summary>The line is in both; some of its fields differ.</summary>
    Changed,
}

/// <summary>One order line that differs between two versions, matched by line id.</summary>
/// <param name="Fields">For <see cref="LineChangeKind.Changed"/>: the fields that differ; empty otherwise.</param>
public sealed record LineChange(Guid LineId, LineChangeKind Kind, OrderLine? Old, OrderLine? New, IReadOnlyList<FieldChange> Fields)
{
    /// <summary>The line as it is after the change, or as it was when removed.</summary>
    public OrderLine Line => (New ?? Old)!;
}

/// <summary>What changed from one version to the next: fields (the header, for orders) and lines.</summary>
/// <param name="PreviousVersion">The version compared with; null when there is none (the oldest entry).</param>
public sealed record VersionDiff(int? PreviousVersion, IReadOnlyList<FieldChange> Fields, IReadOnlyList<LineChange> Lines)
{
    /// <summary>The diff of the oldest entry: nothing to compare with.</summary>
    public static VersionDiff First { get; } = new(null, [], []);

    /// <summary>True when there is no older version to compare with.</summary>
    public bool IsFirst => PreviousVersion is null;

    /// <summary>True when nothing differs (or there is nothing to compare with).</summary>
    public bool IsEmpty => Fields.Count == 0 && Lines.Count == 0;
}
