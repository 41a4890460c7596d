using System.Diagnostics;
using CollabEditor.Tests;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>
/// The built app run as an operator runs it: <c>dotnet CollabEditor.WebApp.dll users …</c> as its own
/// process, in Production, with only <c>ConnectionStrings__Collab</c> set and the password piped in.
/// </summary>
public sealed class CliProcessTests : IAsyncLifetime
{
    private string _db = string.Empty;

    public async Task InitializeAsync() => _db = await TestPostgres.CreateDatabaseAsync("cliproc");

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(int Code, string Out, string Error)> DotnetAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CollabEditor.WebApp.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Collab"] = _db;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin ?? string.Empty);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task TheBuiltApp_AddsAndListsUsers_PrintingOneLine_AndExits1OnABadVerb()
    {
        var added = await DotnetAsync("Str0ng!Pass\n", "users", "add", "root", "--role", "Admin", "--display-name", "Root", "--password-stdin");
        Assert.Equal((0, "Added root (Admin).\n", string.Empty), added);

        var weak = await DotnetAsync("weak\n", "users", "set-password", "root", "--password-stdin");
        Assert.Equal(1, weak.Code);
        Assert.Equal(string.Empty, weak.Out);
        Assert.Single(weak.Error.TrimEnd('\n').Split('\n'));
        Assert.Contains("Passwords must be at least 6 characters.", weak.Error, StringComparison.Ordinal);

        Assert.Equal((0, "root\tRoot\tAdmin\tenabled\n", string.Empty), await DotnetAsync(null, "users", "list"));

        var unknown = await DotnetAsync(null, "users", "frob");
        Assert.Equal(1, unknown.Code);
        Assert.StartsWith("Unknown command 'users frob'. Usage: users add NAME", unknown.Error, StringComparison.Ordinal);
    }
}
