using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Data.Changes;

/// <summary>The change log ("Changes" section): how long positions can be resumed from, and catch-up limits.</summary>
public sealed class ChangeLogOptions
{
    /// <summary>How long a change stays resumable; a program away for longer gets a resync.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often old changes are pruned.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PruneEvery { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The most changes replayed in one catch-up (a listener reconnect, a program resuming); past it a
    /// resync is cheaper than the replay.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxCatchUp { get; set; } = 100_000;

    /// <summary>
    /// How long a LISTEN connection must have been up for its next drop to count as a new outage: the
    /// reconnect backoff then starts again from its shortest delay.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ListenerHealthyAfter { get; set; } = TimeSpan.FromSeconds(30);
}
