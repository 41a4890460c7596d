namespace CollabEditor.Data.History;

/// <summary>
/// The record_history row: one committed version of a product or an order (with its lines), written
/// by a trigger in the committing transaction, whoever writes.
/// </summary>
public sealed class HistoryEntry
{
    public long Id { get; set; }
    public string ResourceKey { get; set; } = string.Empty;
    public int Version { get; set; }

    /// <summary>The row as <c>to_jsonb</c> made it (snake_case columns; an order adds <c>lines</c>).</summary>
    public string Data { get; set; } = "{}";
    public string ChangedBy { get; set; } = string.Empty;
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>True for the entry that records a deletion; <see cref="Data"/> holds the last values.</summary>
    public bool Deleted { get; set; }
}
