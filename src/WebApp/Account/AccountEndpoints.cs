using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Account;

/// <summary>HTTP endpoints of the account area that are not pages.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Sign-out is a POST with an antiforgery token (the form in the app bar), never a GET link. An endpoint
        // that binds no form is not checked by itself: the metadata makes the middleware validate, and the
        // endpoint refuses what it found invalid (else any page on the web could sign a user out).
        endpoints.MapPost("/account/logout", async Task<IResult> (SignInManager<AppUser> signIn, HttpContext http, SecurityLog log) =>
        {
            if (http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-out refused",
                    detail: "The form's antiforgery token is missing or not valid: sign out with the Sign out button of the page.");
            }

            // A new security stamp: this cookie, replayed, no longer opens a page (nor do the account's other
            // sign-ins: the stamp is per user), on every instance at once (the account-change event).
            if (await signIn.UserManager.GetUserAsync(http.User) is { } user)
            {
                await signIn.UserManager.UpdateSecurityStampAsync(user);
            }

            log.SignedOut(http.User.Identity?.Name, SecurityLog.AddressOf(http));
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).WithMetadata(new RequireAntiforgeryTokenAttribute());
        return endpoints;
    }
}
