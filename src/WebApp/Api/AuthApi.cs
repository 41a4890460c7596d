using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;

namespace CollabEditor.WebApp.Api;

/// <summary>User name and password, exchanged for a bearer token.</summary>
public sealed record TokenRequest(string? UserName, string? Password);

/// <summary>
/// Bearer tokens for programs, issued by ASP.NET Core Identity's bearer-token handler for the same
/// users and roles as the pages. Registration is not offered: accounts are made by people.
/// </summary>
public static class AuthApi
{
    private const string JsonContentType = "application/json";

    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/auth/token", async Task<IResult> (TokenRequest request, SignInManager<AppUser> signIn) =>
        {
            if (string.IsNullOrWhiteSpace(request.UserName) || string.IsNullOrEmpty(request.Password))
            {
                return ApiConventions.Validation([new("UserName", "UserName and Password are required.")]);
            }

            if (request.UserName.Any(char.IsControl))
            {
                // No account has one, and PostgreSQL refuses a NUL in text (22021): say so instead of failing.
                return ApiConventions.Validation([new("UserName", "UserName must not contain control characters.")]);
            }

            // The bearer handler writes { tokenType, accessToken, expiresIn, refreshToken } on success.
            signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
            var result = await signIn.PasswordSignInAsync(request.UserName, request.Password, isPersistent: false, lockoutOnFailure: true);
            return result.Succeeded
                ? TypedResults.Empty
                : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed",
                    detail: result.IsLockedOut ? "The account is locked for a few minutes after too many failed attempts." : "User name or password is wrong.");
        }).AllowAnonymous().WithTags("Auth").WithSummary("Exchange user name and password for a bearer token.");

        // Any other Content-Type: routing's own 415 endpoint is not anonymous, so a caller signing in
        // would be told to sign in (401). This one matches every content type and loses to the JSON
        // endpoint above (a later order) whenever that one matches.
        api.MapPost("/auth/token", () => TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the user name and password as {JsonContentType}: {{\"userName\": \"…\", \"password\": \"…\"}}."))
            .WithOrder(1).AllowAnonymous().ExcludeFromDescription();
        return api;
    }
}
