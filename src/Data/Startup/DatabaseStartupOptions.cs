using System.ComponentModel.DataAnnotations;

namespace CollabEditor.Data.Startup;

/// <summary>How an instance treats its database at start ("Database" section).</summary>
public sealed class DatabaseStartupOptions
{
    public const string Section = "Database";

    /// <summary>How long to wait for the database to answer at start before giving up (it may start after the app).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Apply pending migrations at start; off for operators who run the <c>migrate</c> verb themselves.</summary>
    public bool MigrateAtStart { get; set; } = true;
}
