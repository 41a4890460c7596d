using Microsoft.AspNetCore.Authentication.BearerToken;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// The bearer scheme's account check, per request: the token's principal carries the security stamp
/// (Identity's claims factory puts it there), and a token whose account is gone, disabled or has a new
/// stamp is refused (401) on every instance as soon as the account-change event arrives.
/// </summary>
public static class BearerTokenCheck
{
    private const string Prefix = "Bearer ";

    public static async Task OnMessageReceivedAsync(MessageReceivedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var token = request.Headers.Authorization.ToString() is { } header && header.StartsWith(Prefix, StringComparison.Ordinal)
            ? header[Prefix.Length..]
            // Browsers' WebSocket and EventSource clients cannot send headers: SignalR's convention is the
            // access_token query parameter. Honoured on the hubs only, so tokens stay out of API URLs and logs.
            : request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase) && request.Query["access_token"] is [{ Length: > 0 } query]
                ? query
                : null;
        if (token is null)
        {
            return;
        }

        var ticket = context.Options.BearerTokenProtector.Unprotect(token);
        var time = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires)
        {
            // Unreadable or expired: the handler refuses it as it always does.
            context.Token = token;
            return;
        }

        var accounts = context.HttpContext.RequestServices.GetRequiredService<AccountCheck>();
        var (verdict, principal) = await accounts.RefreshAsync(ticket.Principal, context.HttpContext.RequestServices, context.HttpContext.RequestAborted);
        if (principal is null)
        {
            context.Fail($"The account's sign-in was revoked ({verdict}): sign in again.");
            return;
        }

        context.Principal = principal;
        context.Properties = ticket.Properties;
        context.Success();
    }
}
