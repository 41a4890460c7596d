namespace CollabEditor.Data.Presence;

/// <summary>One open page of a resource as others see it (see <see cref="PresenceStore.ListAsync"/>).</summary>
/// <param name="Id">The page.</param>
/// <param name="ResourceKey">What it has open.</param>
/// <param name="UserId">Whose page it is.</param>
/// <param name="DisplayName">The name others see.</param>
/// <param name="SeenAt">Its last heartbeat (database clock).</param>
/// <param name="Field">The field its cursor is in; null when in none.</param>
/// <param name="Changing">The fields it has unsaved changes in.</param>
/// <param name="ChangedAt">Its last edit (database clock).</param>
/// <param name="Idle">True when its last edit is at least the field-lock idle time ago by the database clock (or it never edited).</param>
/// <param name="IdleIn">How long until its changes go idle; null when they are idle already or there are none.</param>
public sealed record PresenceView(
    Guid Id,
    string ResourceKey,
    string UserId,
    string DisplayName,
    DateTimeOffset SeenAt,
    string? Field,
    string[] Changing,
    DateTimeOffset? ChangedAt,
    bool Idle,
    TimeSpan? IdleIn);
