using System.Collections.Concurrent;
using System.Security.Claims;
using CollabEditor.Core.Changes;
using CollabEditor.Data;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Resilience;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Account;

/// <summary>What a signed-in principal is worth against the account as it is now.</summary>
public enum SessionVerdict
{
    /// <summary>Same stamp, roles and names: the session stands as it is.</summary>
    Current,
    /// <summary>Same stamp, but roles or names changed: the session stands with a fresh principal.</summary>
    Changed,
    /// <summary>Gone, disabled, or a new security stamp (password changed, signed out, disabled): the session ends.</summary>
    Revoked,
}

/// <summary>The parts of an account a session depends on.</summary>
public sealed record AccountState(string? SecurityStamp, bool Disabled, IReadOnlySet<string> Roles, string UserName, string DisplayName)
{
    /// <summary>
    /// Disabled means locked out with no end (LockoutEnd = max). A temporary lockout after failed
    /// sign-ins only blocks new sign-ins: whoever guesses a name must not end its owner's sessions.
    /// </summary>
    public static bool IsDisabled(bool lockoutEnabled, DateTimeOffset? lockoutEnd) => lockoutEnabled && lockoutEnd?.Year >= 9999;
}

/// <summary>
/// Checks sessions (cookies, bearer tokens, circuits, hub connections) against their account on every
/// use, from a per-user cache that the account-change event evicts: every instance hears a change
/// within the NOTIFY latency and the next use reads the database. Whenever the feed may have missed an
/// event (the listener is down, or reconnected and resynced) the cache is not trusted.
/// </summary>
public sealed partial class AccountCheck(
    IDbContextFactory<CollabDbContext> dbFactory, ChangeFeed feed, ChangeListener listener, IOptions<IdentityOptions> identity,
    IOptions<SessionOptions> options, TimeProvider time, ILogger<AccountCheck> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    // Bumped by every eviction: a load that overlapped one may have read the old state, so it is not cached.
    private long _generation;

    /// <summary>
    /// Raised after the cache forgot a user (their id), or everyone (null, after a resync), so open
    /// circuits and hub connections re-check at once. Handlers must return quickly.
    /// </summary>
    public event Action<string?>? AccountChanged;

    private ClaimsIdentityOptions Claims => identity.Value.ClaimsIdentity;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resyncs always match: the listener reconnected and announcements may have been lost.
        _subscription = feed.Subscribe(e => e.Kind == ChangeKind.AccountChanged || (e.Kind == ChangeKind.Presence && e.Key.Length == 0), OnChangesAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The user id a principal names, or null.</summary>
    public string? UserIdOf(ClaimsPrincipal principal) => principal.FindFirstValue(Claims.UserIdClaimType);

    /// <summary>Judges <paramref name="principal"/> against its account as it is now.</summary>
    public async Task<SessionVerdict> CheckAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (UserIdOf(principal) is not { } userId || await StateAsync(userId, ct) is not { Disabled: false } state
            || !string.Equals(principal.FindFirstValue(Claims.SecurityStampClaimType), state.SecurityStamp, StringComparison.Ordinal))
        {
            return SessionVerdict.Revoked;
        }

        var roles = principal.FindAll(Claims.RoleClaimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return roles.SetEquals(state.Roles)
            && principal.FindFirstValue(Claims.UserNameClaimType) == state.UserName
            && principal.FindFirstValue(DisplayNameClaimsFactory.DisplayNameClaim) == DisplayNameClaimsFactory.DisplayNameOf(state.UserName, state.DisplayName)
            ? SessionVerdict.Current
            : SessionVerdict.Changed;
    }

    /// <summary>
    /// The verdict, and for <see cref="SessionVerdict.Changed"/> the principal to use from now on
    /// (Identity's claims factory, as at sign-in; null when revoked).
    /// </summary>
    public async Task<(SessionVerdict Verdict, ClaimsPrincipal? Principal)> RefreshAsync(ClaimsPrincipal principal, IServiceProvider scoped, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scoped);
        var verdict = await CheckAsync(principal, ct);
        switch (verdict)
        {
            case SessionVerdict.Current:
                return (verdict, principal);
            case SessionVerdict.Changed:
                var users = scoped.GetRequiredService<UserManager<AppUser>>();
                if (await users.FindByIdAsync(UserIdOf(principal)!) is { } user)
                {
                    var fresh = await scoped.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(user);
                    // Stamp read again with the roles: a change in between must not slip through.
                    if (fresh.FindFirstValue(Claims.SecurityStampClaimType) == principal.FindFirstValue(Claims.SecurityStampClaimType))
                    {
                        return (verdict, fresh);
                    }
                }

                return (SessionVerdict.Revoked, null);
            default:
                return (verdict, null);
        }
    }

    /// <summary>The account's state: cached while the feed can be trusted to say when it changes.</summary>
    public async Task<AccountState?> StateAsync(string userId, CancellationToken ct = default)
    {
        var trusted = listener.IsListening;
        if (trusted && _cache.TryGetValue(userId, out var hit) && time.GetElapsedTime(hit.LoadedAt) <= options.Value.AccountCacheLifetime)
        {
            return hit.State;
        }

        var generation = Interlocked.Read(ref _generation);
        var loadedAt = time.GetTimestamp();
        AccountState? state;
        try
        {
            state = await LoadAsync(userId, ct);
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex) && _cache.TryGetValue(userId, out var last))
        {
            // The database is away, so nobody can change the account meanwhile: the last state read stands
            // (a page still loads its scripts, an API call still gets its 503 from the store, not from here).
            LogStale(logger, userId, ex.Message);
            return last.State;
        }

        // Not cached when an eviction overlapped the load or the feed was down meanwhile (either may have missed a change).
        if (trusted && listener.IsListening && Interlocked.Read(ref _generation) == generation)
        {
            _cache[userId] = new Cached(state, loadedAt);
        }

        return state;
    }

    private async Task<AccountState?> LoadAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                u.SecurityStamp,
                u.LockoutEnabled,
                u.LockoutEnd,
                u.UserName,
                u.DisplayName,
                Roles = db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name).ToList(),
            })
            .SingleOrDefaultAsync(ct);
        return row is null
            ? null
            : new AccountState(row.SecurityStamp, AccountState.IsDisabled(row.LockoutEnabled, row.LockoutEnd),
                row.Roles.OfType<string>().ToHashSet(StringComparer.Ordinal), row.UserName ?? string.Empty, row.DisplayName);
    }

    private Task OnChangesAsync(IReadOnlyList<ChangeEvent> batch)
    {
        foreach (var change in batch)
        {
            Interlocked.Increment(ref _generation);
            if (change.Kind == ChangeKind.AccountChanged && change.Key.StartsWith(UserKeyPrefix, StringComparison.Ordinal))
            {
                var userId = change.Key[UserKeyPrefix.Length..];
                _cache.TryRemove(userId, out _);
                LogAccountChanged(logger, userId);
                Raise(userId);
            }
            else
            {
                _cache.Clear();
                Raise(null);
            }
        }

        return Task.CompletedTask;
    }

    private void Raise(string? userId)
    {
        try
        {
            AccountChanged?.Invoke(userId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogHandlerFailed(logger, ex, ex.Message);
        }
    }

    private static readonly string UserKeyPrefix = ResourceKey.ForUser(string.Empty);

    private sealed record Cached(AccountState? State, long LoadedAt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Account {UserId} changed: its sessions are re-checked")]
    private static partial void LogAccountChanged(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {UserId} could not be read; using its last known state: {Reason}")]
    private static partial void LogStale(ILogger logger, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reacting to an account change failed: {Reason}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string reason);
}
