namespace CollabEditor.Core.Leases;

/// <summary>
/// A live lease (check-out) on a resource. <see cref="Remaining"/> is computed by the database
/// clock at read time; the app never compares its own clock with <see cref="ExpiresAt"/>.
/// </summary>
public sealed record Lease(
    string Key,
    string HolderUserId,
    string HolderName,
    string HolderSession,
    Guid Token,
    long Fencing,
    DateTimeOffset AcquiredAt,
    DateTimeOffset RenewedAt,
    DateTimeOffset ExpiresAt,
    TimeSpan Remaining);

/// <summary>Who holds a resource, as others may see it (no token).</summary>
public sealed record LeaseHolder(string Key, string HolderUserId, string HolderName, string HolderSession, long Fencing, DateTimeOffset AcquiredAt, DateTimeOffset RenewedAt, DateTimeOffset ExpiresAt, TimeSpan Remaining)
{
    public static LeaseHolder From(Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new(lease.Key, lease.HolderUserId, lease.HolderName, lease.HolderSession, lease.Fencing, lease.AcquiredAt, lease.RenewedAt, lease.ExpiresAt, lease.Remaining);
    }

    /// <summary>What someone who presented this holder's token is told.</summary>
    public string BelongsToMessage => $"This check-out belongs to {HolderName}: a lease token works only for the user it was granted to. Nothing was changed.";
}

/// <summary>The fencing rule for a write, renew or release that presents a lease token (DESIGN.md "Leases").</summary>
public static class LeaseFence
{
    /// <summary>
    /// True when <paramref name="token"/> names <paramref name="live"/> but <paramref name="userId"/> is
    /// not its holder: someone presenting another user's token.
    /// </summary>
    public static bool IsSomeoneElses(Lease? live, Guid? token, string userId) =>
        live is not null && token == live.Token && !string.Equals(live.HolderUserId, userId, StringComparison.Ordinal);
}

/// <summary>The outcome of an acquire.</summary>
public abstract record AcquireResult
{
    private AcquireResult()
    {
    }

    /// <summary>The caller holds the lease now.</summary>
    public sealed record Granted(Lease Lease) : AcquireResult;

    /// <summary>
    /// A retried acquire of a program (the same user and session) whose lease is still live: that
    /// lease, unchanged (same token and fencing number).
    /// </summary>
    public sealed record AlreadyHeld(Lease Lease) : AcquireResult;

    /// <summary>Someone else holds a live lease: who, since when, until when.</summary>
    public sealed record Denied(LeaseHolder Holder) : AcquireResult
    {
        public string Message => $"Checked out by {Holder.HolderName} until {Holder.ExpiresAt:u}.";
    }
}

/// <summary>The outcome of renew, release and force-release.</summary>
public abstract record LeaseChange
{
    private LeaseChange()
    {
    }

    /// <summary>Done; the lease as it now is (for renew) or as it was (for release).</summary>
    public sealed record Done(Lease Lease) : LeaseChange;

    /// <summary>No live lease with that token: it expired, was released, or was taken away.</summary>
    public sealed record NotHeld : LeaseChange;

    /// <summary>The token names a live lease of another user: refused, and the lease stays.</summary>
    public sealed record NotHolder(LeaseHolder Holder) : LeaseChange;

    /// <summary>The caller may not do this (force-release without the Admin role).</summary>
    public sealed record Forbidden(string Message) : LeaseChange;

    /// <summary>The request breaks a rule (a missing reason).</summary>
    public sealed record Invalid(string Field, string Message) : LeaseChange;
}
