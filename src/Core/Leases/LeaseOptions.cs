using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Core.Leases;

/// <summary>Lease timing ("Leases" section): TTL 60 s, renewed every 20 s, validated at start-up.</summary>
public sealed class LeaseOptions : IValidatableObject
{
    public const int ReasonMaxLength = 500;

    /// <summary>How long a lease lives without renewal (database clock).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often an open editor renews its lease.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:30:00")]
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often expired leases are swept (and announced as expired).</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A lease whose last renewal is older than this is flagged stale on the Locks page.</summary>
    public TimeSpan StaleAfter => RenewEvery * 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Two renewals must fit in one TTL, so one late or failed renewal does not lose the lease.
        if (RenewEvery * 2 > Ttl)
        {
            yield return new ValidationResult("Leases:RenewEvery must be at most half of Leases:Ttl.", [nameof(RenewEvery), nameof(Ttl)]);
        }
    }

    /// <summary>The rule for a force-release reason; null when it is fine.</summary>
    public static string? CheckReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "Reason is required: say why you take the check-out away."
        : reason.Trim().Length > ReasonMaxLength ? $"Reason must be at most {ReasonMaxLength} characters."
        : Validation.TextRules.HasControlCharacters(reason, multiLine: true) ? "Reason must not contain control characters."
        : null;
}
