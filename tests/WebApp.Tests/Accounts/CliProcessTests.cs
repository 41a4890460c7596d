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

    private Task<(int Code, string Out, string Error)> DotnetAsync(string? stdin, params string[] args) =>
        AppProcess.RunVerbAsync(_db, stdin, args);

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
