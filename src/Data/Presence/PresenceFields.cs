namespace CollabEditor.Data.Presence;

/// <summary>Where one open page is inside its resource: the field its cursor is in and the fields it has unsaved changes in.</summary>
public sealed record PresenceFields(string? Field, IReadOnlyList<string> Changing)
{
    /// <summary>In no field, nothing changed.</summary>
    public static PresenceFields None { get; } = new(null, []);

    /// <summary>True when <paramref name="other"/> says the same (the field and the same changed fields, in any order).</summary>
    public bool SameAs(PresenceFields other) =>
        other is not null && Field == other.Field && Changing.Count == other.Changing.Count && !Changing.Except(other.Changing, StringComparer.Ordinal).Any();
}
