using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Data.Presence;

/// <summary>Presence timing ("Presence" section). A row counts as gone once it is older than <see cref="Ttl"/>.</summary>
public sealed class PresenceOptions : IValidatableObject
{
    /// <summary>How often an open page says it is still there.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00")]
    public TimeSpan HeartbeatEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long without a heartbeat before a viewer is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(6);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HeartbeatEvery * 2 > Ttl)
        {
            yield return new ValidationResult("Presence:HeartbeatEvery must be at most half of Presence:Ttl, so one late heartbeat does not drop a viewer.", [nameof(HeartbeatEvery), nameof(Ttl)]);
        }
    }
}
