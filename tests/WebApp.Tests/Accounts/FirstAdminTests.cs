using CollabEditor.Tests;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Cli;
using Microsoft.Extensions.Configuration;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>The first admin from Bootstrap settings: only on an empty user table, once among instances starting together, and a bad setting stops the start.</summary>
public sealed class FirstAdminTests : IAsyncLifetime
{
    private const string Strong = "Str0ng!Pass";
    private string _db = string.Empty;

    public async Task InitializeAsync() => _db = await TestPostgres.CreateDatabaseAsync("boot");

    public Task DisposeAsync() => Task.CompletedTask;

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>("Bootstrap:" + s.Key, s.Value))).Build();

    private async Task EnsureAsync(IConfiguration settings)
    {
        await using var app = await CollabCli.BuildAsync(new Dictionary<string, string?> { ["ConnectionStrings:Collab"] = _db }, "Production");
        await FirstAdmin.EnsureAsync(app.Services, settings);
    }

    [Fact]
    public async Task OnAnEmptyUserTable_CreatesTheAdmin_WithThePassword()
    {
        await EnsureAsync(Settings(("AdminUser", "root"), ("AdminPassword", Strong)));

        var root = Assert.IsType<Cli.UserRow>(await Cli.UserAsync(_db, "root"));
        Assert.True(Cli.HasPassword(root, Strong));
        Assert.Equal("root\troot\tAdmin\tenabled", (await Cli.RunAsync(_db, null, "users", "list")).Line);
    }

    [Fact]
    public async Task FromAPasswordFile_TheTrailingNewlineIsNotPartOfThePassword()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, Strong + "\n");
        try
        {
            await EnsureAsync(Settings(("AdminUser", "root"), ("AdminPasswordFile", file)));
        }
        finally
        {
            File.Delete(file);
        }

        Assert.True(Cli.HasPassword((await Cli.UserAsync(_db, "root"))!, Strong));
    }

    [Fact]
    public async Task OnceAnyUserExists_IsNeverApplied()
    {
        await Cli.RunAsync(_db, Strong + "\n", "users", "add", "ed", "--role", "Editor", "--password-stdin");

        await EnsureAsync(Settings(("AdminUser", "root"), ("AdminPassword", Strong)));

        Assert.Null(await Cli.UserAsync(_db, "root"));
    }

    [Fact]
    public async Task EightInstancesStartingTogether_CreateOneAdmin_AndNoneFails()
    {
        var settings = Settings(("AdminUser", "root"), ("AdminPassword", Strong));

        // Each its own service provider and connection pool, as separate instances have.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => EnsureAsync(settings))));

        Assert.Equal("root\troot\tAdmin\tenabled", (await Cli.RunAsync(_db, null, "users", "list")).Line);
    }

    [Theory]
    [InlineData("Bootstrap__AdminUser is set without Bootstrap__AdminPassword or Bootstrap__AdminPasswordFile: set one of them.", "AdminUser", "root")]
    [InlineData("Bootstrap__AdminPassword or Bootstrap__AdminPasswordFile is set without Bootstrap__AdminUser: set the user name too.", "AdminPassword", Strong)]
    [InlineData("Bootstrap__AdminPassword or Bootstrap__AdminPasswordFile is set without Bootstrap__AdminUser: set the user name too.", "AdminPasswordFile", "/run/secrets/admin")]
    [InlineData("Bootstrap__AdminPassword and Bootstrap__AdminPasswordFile are both set: set only one.", "AdminUser", "root", "AdminPassword", Strong, "AdminPasswordFile", "/run/secrets/admin")]
    [InlineData("Bootstrap__AdminPasswordFile '/nonexistent/admin-password' cannot be read: Could not find a part of the path '/nonexistent/admin-password'.", "AdminUser", "root", "AdminPasswordFile", "/nonexistent/admin-password")]
    [InlineData("Bootstrap__AdminUser 'root' cannot be created: Passwords must be at least 6 characters. Passwords must have at least one non alphanumeric character. Passwords must have at least one digit ('0'-'9'). Passwords must have at least one uppercase ('A'-'Z').", "AdminUser", "root", "AdminPassword", "weak")]
    public async Task ABadCombination_StopsTheStart_WithOneLine(string message, params string[] pairs)
    {
        var settings = Settings([.. pairs.Chunk(2).Select(p => (p[0], p[1]))]);

        var ex = await Assert.ThrowsAsync<BootstrapAdminException>(() => EnsureAsync(settings));

        Assert.Equal(message, ex.Message);
        Assert.Null(await Cli.UserAsync(_db, "root"));
    }

    [Fact]
    public async Task WithoutBootstrapSettings_NothingHappens()
    {
        await EnsureAsync(Settings());

        Assert.Equal("No users.", (await Cli.RunAsync(_db, null, "users", "list")).Line);
    }
}
