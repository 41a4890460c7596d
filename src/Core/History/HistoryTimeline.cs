namespace CollabEditor.Core.History;

/// <summary>Builds a record's timeline: versions with their diffs, interleaved with lease events, newest first.</summary>
public static class HistoryTimeline
{
    /// <summary>
    /// Diffs each version against the one before it and merges in the lease events, newest first.
    /// </summary>
    /// <param name="versionsOldestFirst">The versions in commit order (history ids ascending).</param>
    /// <param name="diff">The diff of a version (values) against the previous one (its version and values; null for the oldest).</param>
    /// <param name="leaseEventsNewestFirst">The lease events, newest first.</param>
    /// <param name="comparedWith">
    /// The version just before the oldest of <paramref name="versionsOldestFirst"/>, when the list is a
    /// window of a longer history: the oldest shown version is diffed against it.
    /// </param>
    /// <remarks>
    /// Two sorted lists are merged rather than one list sorted by time: the versions' own order is
    /// commit order, which a timestamp (a transaction's start) does not always reproduce.
    /// </remarks>
    public static IReadOnlyList<HistoryItem> Build<TValues>(
        IReadOnlyList<VersionEntry<TValues>> versionsOldestFirst,
        Func<VersionEntry<TValues>?, TValues, VersionDiff> diff,
        IReadOnlyList<LeaseEvent> leaseEventsNewestFirst,
        VersionEntry<TValues>? comparedWith = null)
    {
        ArgumentNullException.ThrowIfNull(versionsOldestFirst);
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(leaseEventsNewestFirst);

        var versions = new List<VersionEntry>(versionsOldestFirst.Count);
        var previous = comparedWith;
        foreach (var v in versionsOldestFirst)
        {
            versions.Add(v with { Diff = diff(previous, v.Values) });
            previous = v;
        }

        versions.Reverse();
        return Interleave(versions, leaseEventsNewestFirst);
    }

    /// <summary>Merges two newest-first lists by time, keeping each list's own order; on a tie the version comes first.</summary>
    public static IReadOnlyList<HistoryItem> Interleave(IReadOnlyList<VersionEntry> versionsNewestFirst, IReadOnlyList<LeaseEvent> leaseEventsNewestFirst)
    {
        ArgumentNullException.ThrowIfNull(versionsNewestFirst);
        ArgumentNullException.ThrowIfNull(leaseEventsNewestFirst);
        var result = new List<HistoryItem>(versionsNewestFirst.Count + leaseEventsNewestFirst.Count);
        int v = 0, l = 0;
        while (v < versionsNewestFirst.Count || l < leaseEventsNewestFirst.Count)
        {
            var takeVersion = l == leaseEventsNewestFirst.Count
                || (v < versionsNewestFirst.Count && versionsNewestFirst[v].At >= leaseEventsNewestFirst[l].At);
            result.Add(takeVersion ? versionsNewestFirst[v++] : leaseEventsNewestFirst[l++]);
        }

        return result;
    }
}
