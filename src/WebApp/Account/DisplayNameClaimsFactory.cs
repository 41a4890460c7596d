using System.Security.Claims;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Account;

/// <summary>Adds the user's display name and chosen time zone to the sign-in cookie so pages never look them up.</summary>
public sealed class DisplayNameClaimsFactory(UserManager<AppUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole>(users, roles, options)
{
    public const string DisplayNameClaim = "display_name";

    /// <summary>The IANA zone the user chose on My account; absent when times follow the browser.</summary>
    public const string TimeZoneClaim = "time_zone";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(DisplayNameClaim, DisplayNameOf(user.UserName, user.DisplayName)));
        if (!string.IsNullOrEmpty(user.TimeZone))
        {
            identity.AddClaim(new Claim(TimeZoneClaim, user.TimeZone));
        }

        return identity;
    }

    /// <summary>The name shown for a user: the display name, or the user name when there is none.</summary>
    public static string DisplayNameOf(string? userName, string? displayName) =>
        string.IsNullOrWhiteSpace(displayName) ? userName ?? "?" : displayName;
}
