using Microsoft.AspNetCore.Identity;

namespace CollabEditor.Data.Users;

/// <summary>An Identity user with the display name other users see ("edited by Alice") and their own settings.</summary>
public sealed class AppUser : IdentityUser
{
    public const int DisplayNameMaxLength = 100;

    /// <summary>IANA ids are short ("America/Argentina/Buenos_Aires"); the same bound the browser's answer gets.</summary>
    public const int TimeZoneMaxLength = 64;

    public string DisplayName { get; set; } = string.Empty;

    /// <summary>The IANA time zone the user chose to see times in; null: the browser's own zone.</summary>
    public string? TimeZone { get; set; }
}
