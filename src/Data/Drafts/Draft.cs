namespace CollabEditor.Data.Drafts;

/// <summary>
/// Unsaved edits of one user on one record, kept server side so they survive a lost connection, a
/// reload or an app restart; <see cref="BaseVersion"/> is the version the edits started from.
/// </summary>
public sealed class Draft
{
    public string UserId { get; set; } = string.Empty;
    public string ResourceKey { get; set; } = string.Empty;
    public int BaseVersion { get; set; }
    public string Data { get; set; } = "{}";

    /// <summary>
    /// What the edits started from, part by part: the base version's values, except where the user typed
    /// over a value picked up from a later save (there, that value). Null for a draft written before it was kept.
    /// </summary>
    public string? MergeBase { get; set; }
    public DateTimeOffset SavedAt { get; set; }
}
