using System.Globalization;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Api;

/// <summary>User name and password, exchanged for a bearer token.</summary>
public sealed record TokenRequest(string? UserName, string? Password);

/// <summary>The refresh token of an earlier sign-in, exchanged for new tokens.</summary>
public sealed record RefreshRequest(string? RefreshToken);

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
        api.MapPost("/auth/token", async Task<IResult> (TokenRequest request, PasswordSignIn signIn, HttpContext http) =>
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
            var result = await signIn.SignInAsync(http, request.UserName, request.Password, SignInVia.Token);
            if (result.IsRateLimited)
            {
                http.Response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts", detail: result.RateLimitedMessage);
            }

            // One answer for an unknown user, a wrong password and a locked account: none tells an outsider which names exist.
            return result.Succeeded
                ? TypedResults.Empty
                : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed", detail: SignInOutcome.FailedMessage);
        }).AllowAnonymous().WithTags("Auth").WithSummary("Exchange user name and password for a bearer token.")
            .Produces<AccessTokenResponse>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);

        // As Identity's MapIdentityApi does /refresh, and the account is checked again: a disabled
        // account, or a new security stamp (password or sign-out), gets a 401 and must sign in.
        api.MapPost("/auth/refresh", async Task<IResult> (RefreshRequest request, SignInManager<AppUser> signIn, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time) =>
        {
            if (string.IsNullOrEmpty(request.RefreshToken))
            {
                return ApiConventions.Validation([new("RefreshToken", "RefreshToken is required: the refreshToken of the last token response.")]);
            }

            var ticket = bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(request.RefreshToken);
            if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires
                || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user
                || AccountState.IsDisabled(user.LockoutEnabled, user.LockoutEnd))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Refresh refused",
                    detail: "The refresh token is unknown or expired, or the account's sign-in was revoked (disabled, password changed, signed out): sign in again at /api/auth/token.");
            }

            return TypedResults.SignIn(await signIn.CreateUserPrincipalAsync(user), authenticationScheme: IdentityConstants.BearerScheme);
        }).AllowAnonymous().WithTags("Auth").WithSummary("Exchange a refresh token for new tokens (the account is checked again).")
            .Produces<AccessTokenResponse>().ProducesProblem(StatusCodes.Status401Unauthorized);

        // Any other Content-Type: routing's own 415 endpoint is not anonymous, so a caller signing in
        // would be told to sign in (401). This one matches every content type and loses to the JSON
        // endpoint above (a later order) whenever that one matches.
        api.MapPost("/auth/token", () => TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the user name and password as {JsonContentType}: {{\"userName\": \"…\", \"password\": \"…\"}}."))
            .WithOrder(1).AllowAnonymous().ExcludeFromDescription();
        api.MapPost("/auth/refresh", () => TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the refresh token as {JsonContentType}: {{\"refreshToken\": \"…\"}}."))
            .WithOrder(1).AllowAnonymous().ExcludeFromDescription();
        return api;
    }
}
