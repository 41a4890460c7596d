using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Data.Lists;

/// <summary>Settings of the product and order lists (section "Lists").</summary>
public sealed class ListOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Lists";

    /// <summary>
    /// The most rows a list counts exactly. Past it the total is the planner's estimate (at least the
    /// cap + 1), flagged as an estimate: an exact count of a million rows costs more than the page.
    /// </summary>
    [Range(1, 100_000_000)]
    public int CountCap { get; set; } = 10_000;

    /// <summary>
    /// Open lists patch the rows they show from one shared read per burst of changes, and re-query
    /// only when a change could move rows in or out. False: every change re-queries every open list
    /// (the behaviour before issue 14, kept as the benchmark's baseline and as an escape hatch).
    /// </summary>
    public bool LivePatch { get; set; } = true;

    /// <summary>
    /// How long the instance collects changes before its one shared read (and the lists' update): the
    /// 250 ms each list used to wait, so an open list renders no more often than before (rendering 150
    /// grids on every save is what saturates a small machine, not the read).
    /// </summary>
    [Range(0, 5000)]
    public int LiveCoalesceMilliseconds { get; set; } = 250;
}
