using System.Text.Json.Serialization;

namespace CollabEditor.Core.Changes;

/// <summary>What happened to a resource.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeKind>))]
public enum ChangeKind
{
    /// <summary>A record was inserted (version 1).</summary>
    Created,
    /// <summary>A record was saved at a new version.</summary>
    Saved,
    /// <summary>A record was deleted.</summary>
    Deleted,
    /// <summary>Who has the resource open changed.</summary>
    Presence,
    /// <summary>Events may have been missed (the listener reconnected): reload everything shown.</summary>
    Resync,
    /// <summary>A lease (check-out) was granted; Version is its fencing number, Actor its holder.</summary>
    LeaseGranted,
    /// <summary>A lease was renewed.</summary>
    LeaseRenewed,
    /// <summary>The holder checked the resource in.</summary>
    LeaseReleased,
    /// <summary>A lease ran out without renewal.</summary>
    LeaseExpired,
    /// <summary>An administrator took the lease away; Actor is the administrator.</summary>
    LeaseForceReleased,
    /// <summary>Someone asks the holder to check in; Actor is who asks.</summary>
    ReleaseRequested,
    /// <summary>
    /// Sent first on every hub connection, a reconnect included (hub only): the connection follows
    /// nothing yet; join what you follow, with the last position you saw to get what you missed.
    /// Position is the latest committed position this instance has announced.
    /// </summary>
    Connected,
    /// <summary>
    /// A user's account changed (security stamp, lockout, roles or display name; Key is <c>user/{id}</c>):
    /// every instance re-checks that user's cookies, bearer tokens, open pages and hub connections.
    /// Never sent to hub clients.
    /// </summary>
    AccountChanged,
}

/// <summary>
/// A committed change, as announced by PostgreSQL NOTIFY in the writing transaction. Small on
/// purpose (DESIGN.md "Live changes"): readers fetch data, not payloads.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Key">The resource key, e.g. <c>product/12</c>; empty for <see cref="ChangeKind.Resync"/>.</param>
/// <param name="Version">The new version (0 when not applicable).</param>
/// <param name="Actor">The display name of who did it, when known.</param>
/// <param name="Position">
/// Where the change stands in the commit order of all record and lease changes (increasing, the same
/// on every instance; once one is seen, every lower one is final); 0 for what is not kept (presence,
/// release requests). A resync carries the position it stands for.
/// </param>
public sealed record ChangeEvent(ChangeKind Kind, string Key, long Version, string? Actor, long Position = 0)
{
    /// <summary>The event every subscriber gets after the listener reconnects.</summary>
    public static ChangeEvent Resync { get; } = new(ChangeKind.Resync, string.Empty, 0, null);

    /// <summary>Presence may have changed anywhere (presence is not kept, so a listener reconnect cannot replay it).</summary>
    public static ChangeEvent PresenceResync { get; } = new(ChangeKind.Presence, string.Empty, 0, null);

    /// <summary>The collection the resource belongs to (<c>product/12</c> → <c>products</c>).</summary>
    [JsonIgnore]
    public string Collection => ResourceKey.TryParse(Key, out var kind, out _) ? ResourceKey.CollectionOf(kind) : string.Empty;
}
