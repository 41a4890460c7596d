namespace CollabEditor.Data.Presence;

/// <summary>One open editor: who has which resource open, last seen when (database clock), and where in it.</summary>
public sealed class PresenceEntry
{
    public Guid Id { get; set; }
    public string ResourceKey { get; set; } = string.Empty;
    public string UserId { get; set; } = string.Empty;
    public string DisplayName { get; set; } = string.Empty;
    public DateTimeOffset SeenAt { get; set; }

    /// <summary>The field the page's cursor is in; null when in none.</summary>
    public string? Field { get; set; }

    /// <summary>The fields the page has unsaved changes in.</summary>
    public string[] Changing { get; set; } = [];

    /// <summary>The page's last edit (database clock), for when its field locks lapse.</summary>
    public DateTimeOffset? ChangedAt { get; set; }
}
