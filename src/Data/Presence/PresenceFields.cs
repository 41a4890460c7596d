namespace CollabEditor.Data.Presence;

/// <summary>Where one open page is inside its resource: the field its cursor is in and the fields it has unsaved changes in.</summary>
public sealed record PresenceFields(string? Field, IReadOnlyList<string> Changing)
{
    /// <summary>In no field, nothing changed.</summary>
    public static PresenceFields None { get; } = new(null, []);
}
