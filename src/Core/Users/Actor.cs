namespace CollabEditor.Core.Users;

/// <summary>Who is making a change: the user's id and the name other users see ("edited by Alice").</summary>
public sealed record Actor(string UserId, string DisplayName);
