using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Response time of a failed sign-in on POST /api/auth/token for an unknown user, a wrong password and a
/// locked account (the real app in Production, real Kestrel port, throwaway cluster), interleaved round by
/// round so drift hits all three alike: median and spread printed side by side. An outsider must not be
/// able to tell them apart; a timed test would be flaky, so this prints figures instead.
/// </summary>
internal static class SignInTiming
{
    private const string Password = "Bench!Timing-2026";

    public static async Task RunAsync(int rounds)
    {
        // BenchApp lifts the sign-in limits (they would refuse most of these); the security log's line per attempt is muted.
        var (app, cluster) = await BenchApp.StartAsync(s => s.AddLogging(l => l.AddFilter(SecurityLog.Category, LogLevel.Error)));
        await using var _ = cluster;
        await using var __ = app;

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            // Lockout off for the wrong-password user: every failure still counts (the same database write), it just never locks.
            var wrong = new AppUser { UserName = "bench-wrong", DisplayName = "Bench" };
            Check(await users.CreateAsync(wrong, Password));
            Check(await users.SetLockoutEnabledAsync(wrong, false));
            var locked = new AppUser { UserName = "bench-locked", DisplayName = "Bench" };
            Check(await users.CreateAsync(locked, Password));
            Check(await users.SetLockoutEndDateAsync(locked, DateTimeOffset.MaxValue));
        }

        (string Label, string User)[] kinds = [("unknown user", "bench-nobody"), ("wrong password", "bench-wrong"), ("locked account", "bench-locked")];
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var times = kinds.ToDictionary(k => k.Label, _ => new List<double>());
        var statuses = kinds.ToDictionary(k => k.Label, _ => new HashSet<int>());
        for (var round = -5; round < rounds; round++)
        {
            // Rotated order each round, so no kind always runs first (or after the same one).
            for (var i = 0; i < kinds.Length; i++)
            {
                var (label, user) = kinds[(i + round + 5) % kinds.Length];
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsJsonAsync("/api/auth/token", new { userName = user, password = "not-the-password" });
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (round >= 0)
                {
                    times[label].Add(elapsed);
                    statuses[label].Add((int)response.StatusCode);
                }
            }
        }

        Console.WriteLine($"Failed sign-ins, POST /api/auth/token, {rounds} rounds (ms):");
        Console.WriteLine($"{"",-16}{"median",8}{"p10",8}{"p90",8}  status");
        foreach (var (label, _) in kinds)
        {
            var sorted = times[label].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-16}{Percentile(sorted, 0.5),8:F1}{Percentile(sorted, 0.1),8:F1}{Percentile(sorted, 0.9),8:F1}  {string.Join(',', statuses[label])}"));
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
