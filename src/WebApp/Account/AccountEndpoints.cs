using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Account;

/// <summary>HTTP endpoints of the account area that are not pages.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Sign-out is a POST with an antiforgery token (the form in the app bar), never a GET link.
        endpoints.MapPost("/account/logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        });
        return endpoints;
    }
}
