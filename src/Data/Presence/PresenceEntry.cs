namespace CollabEditor.Data.Presence;

/// <summary>One open editor: who has which resource open, last seen when (database clock).</summary>
public sealed class PresenceEntry
{
    public Guid Id { get; set; }
    public string ResourceKey { get; set; } = string.Empty;
    public string UserId { get; set; } = string.Empty;
    public string DisplayName { get; set; } = string.Empty;
    public DateTimeOffset SeenAt { get; set; }
}
