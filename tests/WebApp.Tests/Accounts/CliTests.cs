using CollabEditor.Tests;
using CollabEditor.WebApp.Cli;
using Npgsql;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>The operator verbs, run through the CLI's entry point against a real database (Production, a connection string only).</summary>
public sealed class CliTests : IAsyncLifetime
{
    private const string Strong = "Str0ng!Pass";
    private string _db = string.Empty;

    public async Task InitializeAsync() => _db = await TestPostgres.CreateDatabaseAsync("cli");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<Cli.Run> RunAsync(string? stdin, params string[] args) => Cli.RunAsync(_db, stdin, args);

    [Fact]
    public async Task UsersAdd_ThenList_ShowsTheUserWithDisplayNameRoleAndState()
    {
        var added = await RunAsync(Strong + "\n", "users", "add", "root", "--role", "admin", "--display-name", "Root Admin", "--password-stdin");
        Assert.Equal((0, "Added root (Admin)."), (added.ExitCode, added.Line));
        await RunAsync("Other!Pass1\n", "users", "add", "ed", "--role", "Editor", "--password-stdin");

        var list = await RunAsync(null, "users", "list");

        Assert.Equal(0, list.ExitCode);
        Assert.Equal(["ed\ted\tEditor\tenabled", "root\tRoot Admin\tAdmin\tenabled"], list.Out.TrimEnd().Split(Environment.NewLine));
        var root = (await Cli.UserAsync(_db, "root"))!;
        Assert.True(Cli.HasPassword(root, Strong));
        Assert.Equal("Root Admin", root.DisplayName);
    }

    [Fact]
    public async Task UsersList_OnAnEmptyTable_SaysSo() =>
        Assert.Equal((0, "No users."), (await RunAsync(null, "users", "list")) is var r ? (r.ExitCode, r.Line) : default);

    [Theory]
    [InlineData("abc", "Passwords must be at least 6 characters.")]
    [InlineData("abcdefgh", "Passwords must have at least one non alphanumeric character.")]
    public async Task UsersAdd_WithAWeakPassword_Exits1_WithIdentitysPolicy_AndCreatesNobody(string password, string rule)
    {
        var run = await RunAsync(password + "\n", "users", "add", "weak", "--role", "Editor", "--password-stdin");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(rule, run.Line, StringComparison.Ordinal);
        Assert.DoesNotContain(password, run.Out + run.Error.Replace(rule, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Null(await Cli.UserAsync(_db, "weak"));
    }

    [Theory]
    [InlineData("'users add' needs --password-stdin: pipe the password in (it is never given on the command line).", "users", "add", "x", "--role", "Editor")]
    [InlineData("A password is never given on the command line: use --password-stdin and pipe it in.", "users", "add", "x", "--role", "Editor", "--password", "secret")]
    [InlineData("Role must be Admin or Editor (got 'Boss').", "users", "add", "x", "--role", "Boss", "--password-stdin")]
    [InlineData("'users add' needs --role Admin or --role Editor.", "users", "add", "x", "--password-stdin")]
    [InlineData("Role must be Admin or Editor (got 'Boss').", "users", "set-role", "x", "Boss")]
    [InlineData("'users set-password' needs --password-stdin: pipe the password in (it is never given on the command line).", "users", "set-password", "x")]
    [InlineData("Option '--display-name' needs a value.", "users", "add", "x", "--role", "Editor", "--password-stdin", "--display-name")]
    [InlineData("Unknown command 'users frob'. " + CollabCli.Usage, "users", "frob")]
    [InlineData(CollabCli.Usage, "users")]
    [InlineData("'users disable' needs exactly one user name. " + CollabCli.Usage, "users", "disable")]
    [InlineData("'users list' takes no arguments. " + CollabCli.Usage, "users", "list", "x")]
    [InlineData("migrate takes no arguments (got 'now'). " + CollabCli.Usage, "migrate", "now")]
    public async Task BadCommandLines_Exit1_WithOneLineSayingWhy(string message, params string[] args)
    {
        var run = await RunAsync(Strong + "\n", args);

        Assert.Equal((1, message), (run.ExitCode, run.Line));
    }

    [Fact]
    public async Task PasswordStdin_WithNothingPiped_Exits1()
    {
        var run = await RunAsync(string.Empty, "users", "add", "x", "--role", "Editor", "--password-stdin");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("No password on standard input", run.Line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("set-password", true)]
    [InlineData("set-role", false)]
    [InlineData("disable", false)]
    [InlineData("enable", false)]
    public async Task AVerbOnAnUnknownUser_Exits1_NamingTheUser(string verb, bool password)
    {
        string[] args = verb == "set-role" ? ["users", verb, "ghost", "Editor"] : password ? ["users", verb, "ghost", "--password-stdin"] : ["users", verb, "ghost"];

        var run = await RunAsync(Strong + "\n", args);

        Assert.Equal((1, "No user named 'ghost'."), (run.ExitCode, run.Line));
    }

    [Fact]
    public async Task SetPassword_ReplacesThePassword_AndChangesTheSecurityStamp_AWeakOneChangesNothing()
    {
        await RunAsync(Strong + "\n", "users", "add", "ann", "--role", "Editor", "--password-stdin");
        var before = (await Cli.UserAsync(_db, "ann"))!;

        var weak = await RunAsync("short\n", "users", "set-password", "ann", "--password-stdin");
        Assert.Equal(1, weak.ExitCode);
        Assert.Contains("Passwords must be at least 6 characters.", weak.Line, StringComparison.Ordinal);
        Assert.Equal(before, await Cli.UserAsync(_db, "ann"));

        var set = await RunAsync("N3w!Secret\n", "users", "set-password", "ann", "--password-stdin");

        Assert.Equal((0, "Password set for ann."), (set.ExitCode, set.Line));
        var after = (await Cli.UserAsync(_db, "ann"))!;
        Assert.True(Cli.HasPassword(after, "N3w!Secret"));
        Assert.False(Cli.HasPassword(after, Strong));
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
    }

    [Fact]
    public async Task SetRole_ChangesTheRole_AndTheSecurityStamp()
    {
        await RunAsync(Strong + "\n", "users", "add", "ann", "--role", "Editor", "--password-stdin");
        var before = (await Cli.UserAsync(_db, "ann"))!;

        var set = await RunAsync(null, "users", "set-role", "ann", "Admin");

        Assert.Equal((0, "ann is now Admin."), (set.ExitCode, set.Line));
        Assert.NotEqual(before.SecurityStamp, (await Cli.UserAsync(_db, "ann"))!.SecurityStamp);
        Assert.Contains("ann\tann\tAdmin\tenabled", (await RunAsync(null, "users", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_LocksOutWithoutEnd_AndChangesTheStamp_EnableUndoesIt()
    {
        await RunAsync(Strong + "\n", "users", "add", "root", "--role", "Admin", "--password-stdin");
        await RunAsync(Strong + "\n", "users", "add", "ann", "--role", "Editor", "--password-stdin");
        var before = (await Cli.UserAsync(_db, "ann"))!;

        var disabled = await RunAsync(null, "users", "disable", "ann");

        Assert.Equal((0, "Disabled ann."), (disabled.ExitCode, disabled.Line));
        var off = (await Cli.UserAsync(_db, "ann"))!;
        Assert.True(off.LockoutEnabled);
        Assert.Equal(DateTimeOffset.MaxValue, off.LockoutEnd);
        Assert.NotEqual(before.SecurityStamp, off.SecurityStamp);
        Assert.Contains("ann\tann\tEditor\tdisabled", (await RunAsync(null, "users", "list")).Out, StringComparison.Ordinal);

        var enabled = await RunAsync(null, "users", "enable", "ann");

        Assert.Equal((0, "Enabled ann."), (enabled.ExitCode, enabled.Line));
        Assert.Null((await Cli.UserAsync(_db, "ann"))!.LockoutEnd);
        Assert.Contains("ann\tann\tEditor\tenabled", (await RunAsync(null, "users", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLastEnabledAdmin_CannotBeDisabledOrDemoted()
    {
        await RunAsync(Strong + "\n", "users", "add", "root", "--role", "Admin", "--password-stdin");

        var disable = await RunAsync(null, "users", "disable", "root");
        var demote = await RunAsync(null, "users", "set-role", "root", "Editor");

        Assert.Equal((1, "root is the last enabled Admin and cannot be disabled; make another user Admin first."), (disable.ExitCode, disable.Line));
        Assert.Equal((1, "root is the last enabled Admin and cannot be demoted; make another user Admin first."), (demote.ExitCode, demote.Line));
        Assert.Contains("root\troot\tAdmin\tenabled", (await RunAsync(null, "users", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_OnAnEmptyDatabase_AppliesEveryMigration_ThenSaysUpToDate()
    {
        var admin = await TestPostgres.AdminConnectionStringAsync();
        var name = $"cli_empty_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var empty = TestPostgres.With(admin, name);

        var users = await Cli.RunAsync(empty, null, "users", "list");
        Assert.Equal((1, "The database has no user tables yet: run `migrate` (or start the app once) first."), (users.ExitCode, users.Line));

        var first = await Cli.RunAsync(empty, null, "migrate");
        Assert.Equal(0, first.ExitCode);
        Assert.Matches(@"^Applied (\d+) migrations; the database is up to date \(\1 migrations\)\.$", first.Line);

        var second = await Cli.RunAsync(empty, null, "migrate");
        Assert.Equal(0, second.ExitCode);
        Assert.Matches(@"^The database is up to date \(\d+ migrations\)\.$", second.Line);
        Assert.Equal((0, "No users."), (await Cli.RunAsync(empty, null, "users", "list")) is var r ? (r.ExitCode, r.Line) : default);
    }

    [Fact]
    public async Task AnUnreachableDatabase_Exits1_WithOneLine()
    {
        var run = await Cli.RunAsync("Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2", null, "users", "list");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("Cannot reach the database:", run.Line, StringComparison.Ordinal);
    }
}
