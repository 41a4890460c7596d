using System.Security.Claims;
using CollabEditor.Core.Users;

namespace CollabEditor.WebApp.Account;

/// <summary>Reads the signed-in user as an <see cref="Actor"/>.</summary>
public static class UserExtensions
{
    public static Actor ToActor(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The user is not signed in.");
        // The Admin flag comes from the server-side principal's roles, never from the client.
        return new Actor(id, user.DisplayName(), user.IsInRole(Roles.Admin));
    }

    public static string DisplayName(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(DisplayNameClaimsFactory.DisplayNameClaim) ?? user.Identity?.Name ?? "?";
    }
}
