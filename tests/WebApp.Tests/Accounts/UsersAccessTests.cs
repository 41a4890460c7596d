using System.Net;
using CollabEditor.Core.Users;
using CollabEditor.WebApp.Account;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>Admin → Users is refused on the server to anyone but an enabled Admin, for the page and for every action.</summary>
public sealed class UsersAccessTests(AppHost host) : IClassFixture<AppHost>
{
    private const string Strong = "Str0ng!Pass";

    private UserAccounts Accounts => host.Services.GetRequiredService<UserAccounts>();

    private async Task<AccountOperator> OperatorAsync(string userName)
    {
        var user = (await Accounts.ListAsync()).Single(u => u.UserName == userName);
        return AccountOperator.User(new Actor(user.Id, user.DisplayName, user.Role == Roles.Admin));
    }

    [Fact]
    public async Task AnEditor_GetsAccessDenied_ForThePage()
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = await SignIn.CookiesAsync(host.BaseAddress, "alice"), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        using var response = await client.GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("This page needs the Admin role.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAction_ByANonAdmin_IsRefused_AndChangesNothing()
    {
        var alice = await OperatorAsync("alice");

        AccountResult[] results =
        [
            await Accounts.AddAsync("mallory", null, Roles.Admin, Strong, alice),
            await Accounts.SetRoleAsync("alice", Roles.Admin, alice),
            await Accounts.SetPasswordAsync("bob", Strong, alice),
            await Accounts.DisableAsync("bob", alice),
            await Accounts.EnableAsync("bob", alice),
        ];

        Assert.All(results, r => Assert.Equal(AccountResult.Refused("Only an enabled Admin may manage users."), r));
        var users = await Accounts.ListAsync();
        Assert.DoesNotContain(users, u => u.UserName == "mallory");
        Assert.Equal((Roles.Editor, false), users.Single(u => u.UserName == "alice") is var a ? (a.Role, a.Disabled) : default);
        Assert.False(users.Single(u => u.UserName == "bob").Disabled);
    }

    [Fact]
    public async Task ADisabledAdmin_WithAPageStillOpen_IsRefused()
    {
        await Accounts.AddAsync("admin2", null, Roles.Admin, Strong, AccountOperator.Cli);
        var admin2 = await OperatorAsync("admin2");
        Assert.True((await Accounts.DisableAsync("admin2", await OperatorAsync("admin"))).Succeeded);

        var result = await Accounts.DisableAsync("admin", admin2);

        Assert.Equal("Only an enabled Admin may manage users.", result.Message);
        Assert.False((await Accounts.ListAsync()).Single(u => u.UserName == "admin").Disabled);
    }

    [Fact]
    public async Task TwoAdmins_DisablingEachOtherAtOnce_LeaveOneEnabledAdmin()
    {
        for (var round = 0; round < 10; round++)
        {
            string a = $"ra{round}", b = $"rb{round}";
            await Accounts.AddAsync(a, null, Roles.Admin, Strong, AccountOperator.Cli);
            await Accounts.AddAsync(b, null, Roles.Admin, Strong, AccountOperator.Cli);
            // Only these two may stay enabled admins for the rule to bite: the others step aside for the round.
            var others = (await Accounts.ListAsync()).Where(u => u.Role == Roles.Admin && !u.Disabled && u.UserName != a && u.UserName != b).Select(u => u.UserName).ToList();
            foreach (var other in others)
            {
                Assert.True((await Accounts.SetRoleAsync(other, Roles.Editor, AccountOperator.Cli)).Succeeded);
            }

            var (opA, opB) = (await OperatorAsync(a), await OperatorAsync(b));
            var results = await Task.WhenAll(Task.Run(() => Accounts.DisableAsync(b, opA)), Task.Run(() => Accounts.DisableAsync(a, opB)));

            Assert.Single(results, r => r.Succeeded);
            Assert.Single(await Accounts.ListAsync(), u => u.Role == Roles.Admin && !u.Disabled);
            foreach (var other in others)
            {
                await Accounts.SetRoleAsync(other, Roles.Admin, AccountOperator.Cli);
            }
        }
    }

    [Fact]
    public async Task TheLastEnabledAdmin_CannotDemoteOrDisableThemselves_OnThePage()
    {
        var admins = (await Accounts.ListAsync()).Where(u => u.Role == Roles.Admin && !u.Disabled && u.UserName != "admin").Select(u => u.UserName).ToList();
        foreach (var other in admins)
        {
            await Accounts.SetRoleAsync(other, Roles.Editor, AccountOperator.Cli);
        }

        var admin = await OperatorAsync("admin");

        Assert.Equal("admin is the last enabled Admin and cannot be demoted; make another user Admin first.", (await Accounts.SetRoleAsync("admin", Roles.Editor, admin)).Message);
        Assert.Equal("admin is the last enabled Admin and cannot be disabled; make another user Admin first.", (await Accounts.DisableAsync("admin", admin)).Message);
        foreach (var other in admins)
        {
            await Accounts.SetRoleAsync(other, Roles.Admin, AccountOperator.Cli);
        }
    }
}
