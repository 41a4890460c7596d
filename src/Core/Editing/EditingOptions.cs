using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Core.Editing;

/// <summary>Field-level editing settings ("Editing" section): soft field locks and when they lapse.</summary>
public sealed class EditingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Editing";

    /// <summary>
    /// While someone has unsaved changes in a field, others see it read-only ("Bob is changing this").
    /// Advisory only: saves stay version-checked and merged either way.
    /// </summary>
    public bool FieldLocks { get; set; } = true;

    /// <summary>How long after someone's last edit their field lock lapses (database clock).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FieldLockIdle { get; set; } = TimeSpan.FromSeconds(30);
}
