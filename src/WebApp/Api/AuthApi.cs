using System.Globalization;
using CollabEditor.WebApp.Account;

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
