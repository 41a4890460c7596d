using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// Identity's security-stamp check for the sign-in cookie, on every request instead of every 30
/// minutes: cheap because <see cref="AccountCheck"/> answers from a cache that account changes evict.
/// A revoked cookie is rejected and deleted; a changed role or name replaces the principal and renews
/// the cookie, so an admin page refuses a former admin at once.
/// </summary>
public sealed class SessionStampValidator(AccountCheck accounts) : ISecurityStampValidator
{
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is not { } principal)
        {
            return;
        }

        var (verdict, fresh) = await accounts.RefreshAsync(principal, context.HttpContext.RequestServices, context.HttpContext.RequestAborted);
        switch (verdict)
        {
            case SessionVerdict.Revoked:
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(context.Scheme.Name);
                break;
            case SessionVerdict.Changed:
                context.ReplacePrincipal(fresh!);
                context.ShouldRenew = true;
                break;
        }
    }
}
