namespace CollabEditor.Core.Users;

/// <summary>The application's role names.</summary>
public static class Roles
{
    public const string Editor = "Editor";
    public const string Admin = "Admin";

    /// <summary>For [Authorize(Roles = ...)]: anyone who may edit records.</summary>
    public const string EditorOrAdmin = Editor + "," + Admin;
}
