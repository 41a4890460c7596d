namespace CollabEditor.Core.Products;

/// <summary>A product as committed: its values, its version, and who changed it last and when.</summary>
public sealed record ProductSnapshot(int Id, ProductValues Values, int Version, string LastChangedBy, DateTimeOffset LastChangedAt);
