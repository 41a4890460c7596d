using Microsoft.AspNetCore.Identity;

namespace CollabEditor.Data.Users;

/// <summary>An Identity user with the display name other users see ("edited by Alice").</summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = string.Empty;
}
