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
}
