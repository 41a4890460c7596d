namespace CollabEditor.Data;

/// <summary>The connection string the data layer was registered with.</summary>
public sealed record CollabConnection(string ConnectionString);
