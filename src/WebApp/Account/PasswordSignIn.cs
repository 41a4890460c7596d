using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Account;

/// <summary>Where a sign-in came from: the sign-in page (cookie) or POST /api/auth/token (bearer token).</summary>
public enum SignInVia
{
    Page,
    Token,
}

/// <summary>A sign-in's outcome as the client may learn it: signed in, failed (for any reason), or rate limited.</summary>
public sealed record SignInOutcome(bool Succeeded, TimeSpan? RetryAfter)
{
    /// <summary>The one answer for an unknown user, a wrong password, a locked or a not-allowed account: none may tell which.</summary>
    public const string FailedMessage = "User name or password is wrong, or the account is locked for a few minutes after too many failed attempts.";

    public static SignInOutcome Success { get; } = new(true, null);

    public static SignInOutcome Failure { get; } = new(false, null);

    public bool IsRateLimited => RetryAfter is not null;

    /// <summary>Whole seconds for Retry-After (at least 1).</summary>
    public int RetryAfterSeconds => RetryAfter is { } wait ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 0;

    public string RateLimitedMessage => $"Too many sign-in attempts. Try again in {RetryAfterSeconds} seconds.";
}

/// <summary>
/// The one password check behind the sign-in page and the token endpoint: rate limits first, then the
/// same answer and the same work (one password hash verified) for an unknown user, a wrong password and
/// a locked account, and a security log line for each outcome.
/// </summary>
public sealed class PasswordSignIn(SignInManager<AppUser> signIn, SignInLimiter limiter, SecurityLog log)
{
    // A hash of a random password with the app's hasher and its current cost, verified when there is no user
    // (or no hash) to verify against. Computed once; a race computes it twice, harmlessly.
    private static string? s_dummyHash;

    private UserManager<AppUser> Users => signIn.UserManager;

    public async Task<SignInOutcome> SignInAsync(HttpContext http, string userName, string password, SignInVia via)
    {
        ArgumentNullException.ThrowIfNull(http);
        var address = SecurityLog.AddressOf(http);
        var channel = via == SignInVia.Page ? "page" : "token";
        // No account has a control character in its name, and PostgreSQL refuses a NUL: such a name is simply unknown.
        var plausible = !string.IsNullOrEmpty(userName) && !userName.Any(char.IsControl);
        if (limiter.TryAcquire(ClientAddress.Of(http), plausible ? Users.NormalizeName(userName) : "(invalid)") is { } refusal)
        {
            log.SignInRateLimited(userName, address, channel, refusal.Limit, refusal.RetryAfter);
            return new(false, refusal.RetryAfter);
        }

        var user = plausible ? await Users.FindByNameAsync(userName) : null;
        if (user is null)
        {
            VerifyAnyway(null, password);
            log.SignInFailed(userName, address, channel, "unknown user");
            return SignInOutcome.Failure;
        }

        if (await Users.IsLockedOutAsync(user))
        {
            // Identity answers a locked account before hashing: hash anyway, so it takes as long as a wrong password.
            VerifyAnyway(user, password);
            log.SignInLockedOut(user.UserName, address, channel, justLocked: false);
            return SignInOutcome.Failure;
        }

        signIn.AuthenticationScheme = via == SignInVia.Token ? IdentityConstants.BearerScheme : IdentityConstants.ApplicationScheme;
        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: via == SignInVia.Page, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            log.SignInSucceeded(user.UserName, address, channel);
            return SignInOutcome.Success;
        }

        if (result.IsLockedOut)
        {
            log.SignInLockedOut(user.UserName, address, channel, justLocked: true);
        }
        else
        {
            if (result.IsNotAllowed)
            {
                // Also answered before hashing.
                VerifyAnyway(user, password);
            }

            log.SignInFailed(user.UserName, address, channel, result.IsNotAllowed ? "not allowed" : "wrong password");
        }

        return SignInOutcome.Failure;
    }

    /// <summary>Verifies the password against the user's hash (or a dummy one) and ignores the result: the work, not the answer.</summary>
    private void VerifyAnyway(AppUser? user, string password)
    {
        var hasher = Users.PasswordHasher;
        s_dummyHash ??= hasher.HashPassword(new AppUser(), Guid.NewGuid().ToString());
        _ = hasher.VerifyHashedPassword(user ?? new AppUser(), user?.PasswordHash ?? s_dummyHash, password ?? string.Empty);
    }
}
