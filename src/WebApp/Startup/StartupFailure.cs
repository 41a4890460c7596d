using CollabEditor.Data.Startup;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Startup;

/// <summary>
/// A failed start ends as one line on standard error and exit code 1, never an unhandled exception
/// (exit 134 and a stack trace): a bad setting, a database that stayed away, a failed migration, a
/// configuration error found by any start-up step.
/// </summary>
public static class StartupFailure
{
    /// <summary>The exit code of a failed start.</summary>
    public const int ExitCode = 1;

    /// <summary>
    /// Every exception, except the one the EF Core tools and WebApplicationFactory use to stop the entry
    /// point once they have the host (it must reach them).
    /// </summary>
    public static bool Handles(Exception ex) => ex is not HostAbortedException;

    /// <summary>Writes the line and returns the exit code.</summary>
    public static async Task<int> ReportAsync(Exception ex)
    {
        await Console.Error.WriteLineAsync($"CollabEditor cannot start: {Describe(ex)}");
        return ExitCode;
    }

    /// <summary>What went wrong, on one line, naming the setting where one is to blame.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        OptionsValidationException options => string.Join(" ", options.Failures.Select(f => f.Trim())),
        AggregateException many => string.Join(" ", many.Flatten().InnerExceptions.Select(Describe).Distinct()),
        _ => DatabaseWait.OneLine(ex),
    };
}
