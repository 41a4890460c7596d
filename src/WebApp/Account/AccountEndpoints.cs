using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Account;

/// <summary>HTTP endpoints of the account area that are not pages.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Sign-out is a POST with an antiforgery token (the form in the app bar), never a GET link.
        endpoints.MapPost("/account/logout", async (SignInManager<AppUser> signIn, HttpContext http) =>
        {
            // A new security stamp: this cookie, replayed, no longer opens a page (nor do the account's other
            // sign-ins: the stamp is per user), on every instance at once (the account-change event).
            if (await signIn.UserManager.GetUserAsync(http.User) is { } user)
            {
                await signIn.UserManager.UpdateSecurityStampAsync(user);
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        });
        return endpoints;
    }
}
