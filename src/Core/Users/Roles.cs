namespace CollabEditor.Core.Users;

/// <summary>The application's role names.</summary>
public static class Roles
{
    public const string Editor = "Editor";
    public const string Admin = "Admin";
}
