using System.ComponentModel.DataAnnotations;

namespace CollabEditor.WebApp.Account;

/// <summary>How long sign-ins last and how long an account check may be reused ("Sessions" section).</summary>
public sealed class SessionOptions
{
    /// <summary>Lifetime of a bearer access token; a program renews it at <c>POST /api/auth/refresh</c>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Lifetime of a refresh token (each refresh re-checks the account and issues a new one).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Longest reuse of a loaded account state. Account changes evict it at once (the change feed);
    /// this only bounds how stale it could get if an announcement were ever lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan AccountCacheLifetime { get; set; } = TimeSpan.FromMinutes(1);
}
