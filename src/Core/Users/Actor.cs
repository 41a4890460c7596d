namespace CollabEditor.Core.Users;

/// <summary>
/// Who is making a change: the user's id, the name other users see ("edited by Alice"), and whether
/// they are an administrator (the server decides that from their roles, never the client).
/// </summary>
public sealed record Actor(string UserId, string DisplayName, bool IsAdmin = false);
