namespace CollabEditor.Data.Leases;

/// <summary>The leases table: one row per checked-out resource (primary key = resource key).</summary>
public sealed class LeaseRow
{
    public string ResourceKey { get; set; } = string.Empty;
    public string HolderUserId { get; set; } = string.Empty;
    public string HolderName { get; set; } = string.Empty;
    public string HolderSession { get; set; } = string.Empty;
    public Guid Token { get; set; }
    public long Fencing { get; set; }
    public DateTimeOffset AcquiredAt { get; set; }
    public DateTimeOffset RenewedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>One lease event in the audit trail: granted, renewal-failed, released, expired, force-released.</summary>
public sealed class LeaseAuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string ResourceKey { get; set; } = string.Empty;
    public string Action { get; set; } = string.Empty;
    public string? UserId { get; set; }
    public string UserName { get; set; } = string.Empty;
    public string HolderName { get; set; } = string.Empty;
    public long Fencing { get; set; }
    public string? Reason { get; set; }
}
