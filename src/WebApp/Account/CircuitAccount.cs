using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// The circuit's authentication state, re-checked the moment the account changes (the Blazor
/// template's revalidating provider, told by <see cref="AccountCheck.AccountChanged"/> instead of
/// waiting 30 minutes). A revoked account makes the circuit anonymous; a changed role or name gives it
/// a fresh principal. The periodic revalidation stays as a safety net.
/// </summary>
public sealed partial class CircuitAccount : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState Anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));
    private readonly AccountCheck _accounts;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<CircuitAccount> _logger;
    private readonly SemaphoreSlim _recheck = new(1, 1);
    private volatile string? _userId;

    public CircuitAccount(ILoggerFactory loggerFactory, AccountCheck accounts, IServiceScopeFactory scopes)
        : base(loggerFactory)
    {
        _accounts = accounts;
        _scopes = scopes;
        _logger = loggerFactory.CreateLogger<CircuitAccount>();
        AuthenticationStateChanged += OnStateChanged;
        accounts.AccountChanged += OnAccountChanged;
    }

    /// <summary>True once this circuit's sign-in has been revoked: nothing it sends is acted on any more.</summary>
    public bool Revoked { get; private set; }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    /// <summary>Re-checks the account now (on an account event, or before acting on what the circuit sent).</summary>
    public async Task<SessionVerdict> RecheckAsync(CancellationToken ct = default)
    {
        await _recheck.WaitAsync(ct);
        try
        {
            var user = (await GetAuthenticationStateAsync()).User;
            if (Revoked || user.Identity?.IsAuthenticated != true)
            {
                return SessionVerdict.Revoked;
            }

            await using var scope = _scopes.CreateAsyncScope();
            var (verdict, fresh) = await _accounts.RefreshAsync(user, scope.ServiceProvider, ct);
            if (verdict == SessionVerdict.Revoked)
            {
                Revoked = true;
                LogRevoked(_logger, _userId);
                SetAuthenticationState(Task.FromResult(Anonymous));
            }
            else if (verdict == SessionVerdict.Changed)
            {
                SetAuthenticationState(Task.FromResult(new AuthenticationState(fresh!)));
            }

            return verdict;
        }
        finally
        {
            _recheck.Release();
        }
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        await RecheckAsync(cancellationToken) != SessionVerdict.Revoked;

    protected override void Dispose(bool disposing)
    {
        _accounts.AccountChanged -= OnAccountChanged;
        AuthenticationStateChanged -= OnStateChanged;
        base.Dispose(disposing);
    }

    private void OnStateChanged(Task<AuthenticationState> state) =>
        _ = state.ContinueWith(t => _userId = t.IsCompletedSuccessfully ? _accounts.UserIdOf(t.Result.User) : null, TaskScheduler.Default);

    private void OnAccountChanged(string? userId)
    {
        if (_userId is { } mine && (userId is null || userId == mine))
        {
            _ = RecheckOnEventAsync();
        }
    }

    private async Task RecheckOnEventAsync()
    {
        try
        {
            await RecheckAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The database is away: the guard re-checks before the circuit's next action, the loop within a minute.
            LogRecheckFailed(_logger, ex, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed out the open page of user {UserId}: the account's sign-in was revoked")]
    private static partial void LogRevoked(ILogger logger, string? userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-checking an open page's account failed: {Reason}")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception, string reason);
}

/// <summary>
/// Refuses everything a revoked circuit sends (clicks, saves, JS calls), on the server: the account is
/// checked before each inbound activity (from the cache, so it costs a lookup), so a save racing the
/// account-change event is refused too.
/// </summary>
public sealed class CircuitAccountGuard(CircuitAccount account) : CircuitHandler
{
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            if (account.Revoked || (await account.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated == true
                && await account.RecheckAsync() == SessionVerdict.Revoked)
            {
                return;
            }

            await next(context);
        };
}
