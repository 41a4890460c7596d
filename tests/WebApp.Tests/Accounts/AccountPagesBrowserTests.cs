using System.Globalization;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>Admin → Users and My account in Chromium, on the real app (demo users: admin, alice, bob).</summary>
[Collection(BrowserGroup.Name)]
public sealed class AccountPagesBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private const string Strong = "Str0ng!Pass";

    private UserAccounts Accounts => host.Services.GetRequiredService<UserAccounts>();

    private async Task<UserSummary> UserAsync(string name) => (await Accounts.ListAsync()).Single(u => u.UserName == name);

    /// <summary>A MudBlazor input by the data-testid on it or on its wrapper.</summary>
    private static ILocator Input(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    private static async Task<IPage> SignInAsync(IBrowserContext context, string user, string password)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");
        return page;
    }

    [Fact]
    public async Task Admin_AddsAnEditor_SetsTheRole_ResetsThePassword_AndDisablesThem()
    {
        var admin = await browser.SignInAsync(host.BaseAddress, "admin");
        await admin.ClickAsync("[data-testid=admin-users]");
        await admin.WaitForURLAsync("**/admin/users");

        // A weak password: Identity's policy, said on the page; nobody is added.
        await Input(admin, "new-username").FillAsync("carol");
        await Input(admin, "new-displayname").FillAsync("Carol");
        await Input(admin, "new-password").FillAsync("weak");
        await admin.ClickAsync("[data-testid=add-user]");
        await Assertions.Expect(admin.Locator("[data-testid=add-user-error]")).ToContainTextAsync("Passwords must be at least 6 characters.");
        Assert.DoesNotContain(await Accounts.ListAsync(), u => u.UserName == "carol");

        await Input(admin, "new-password").FillAsync(Strong);
        await admin.ClickAsync("[data-testid=add-user]");
        await Assertions.Expect(admin.Locator("[data-testid=state-carol]")).ToHaveTextAsync("enabled");
        Assert.Equal(("Carol", "Editor"), (await UserAsync("carol")) is var c ? (c.DisplayName, c.Role) : default);
        await BrowserFixture.ShotAsync(admin, "admin-users");

        // Set role: Editor → Admin.
        await admin.ClickAsync("[data-testid=role-carol]");
        await admin.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Admin" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".mud-snackbar")).ToContainTextAsync("carol is now Admin.");
        Assert.Equal("Admin", (await UserAsync("carol")).Role);

        // Reset the password: a weak one is refused in the dialog, a strong one accepted.
        await admin.ClickAsync("[data-testid=password-carol]");
        await Input(admin, "password-input").FillAsync("short");
        await admin.ClickAsync("[data-testid=password-ok]");
        await Assertions.Expect(admin.Locator("[data-testid=password-dialog]")).ToContainTextAsync("Passwords must be at least 6 characters.");
        await Input(admin, "password-input").FillAsync("N3w!Secret");
        await admin.ClickAsync("[data-testid=password-ok]");
        await Assertions.Expect(admin.Locator(".mud-snackbar")).ToContainTextAsync("Password set for carol.");

        var carolContext = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        var carol = await SignInAsync(carolContext, "carol", "N3w!Secret");
        await carol.WaitForURLAsync("**/products");
        await carolContext.CloseAsync();

        // Disable: the chip says so, and carol can no longer sign in.
        await admin.ClickAsync("[data-testid=disable-carol]");
        await Assertions.Expect(admin.Locator("[data-testid=state-carol]")).ToHaveTextAsync("disabled");
        Assert.True((await UserAsync("carol")).Disabled);
        carolContext = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        carol = await SignInAsync(carolContext, "carol", "N3w!Secret");
        await Assertions.Expect(carol.Locator("[data-testid=login-error]")).ToBeVisibleAsync();
        await carolContext.CloseAsync();

        // Enable again.
        await admin.ClickAsync("[data-testid=enable-carol]");
        await Assertions.Expect(admin.Locator("[data-testid=state-carol]")).ToHaveTextAsync("enabled");
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task MyAccount_WrongCurrentPasswordIsRefused_DisplayNameAndTimeZoneApply()
    {
        await Accounts.AddAsync("dora", "Dora", "Editor", Strong, AccountOperator.Cli);
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString(), TimezoneId = "Europe/Berlin", Locale = "de-DE" });
        context.SetDefaultTimeout(15_000);
        var page = await SignInAsync(context, "dora", Strong);
        await page.WaitForURLAsync("**/products");
        await page.ClickAsync("[data-testid=current-user]");
        await page.WaitForURLAsync("**/account/me");

        await page.FillAsync("[data-testid=me-current]", "not-my-password");
        await page.FillAsync("[data-testid=me-new]", "An0ther!Pass");
        await page.FillAsync("[data-testid=me-confirm]", "An0ther!Pass");
        await page.ClickAsync("[data-testid=me-change-password]");
        await Assertions.Expect(page.Locator("[data-testid=password-error]")).ToHaveTextAsync("Current password is wrong.");

        await page.FillAsync("[data-testid=me-current]", Strong);
        await page.FillAsync("[data-testid=me-new]", "An0ther!Pass");
        await page.FillAsync("[data-testid=me-confirm]", "An0ther!Pass");
        await page.ClickAsync("[data-testid=me-change-password]");
        await Assertions.Expect(page.Locator("[data-testid=me-message]")).ToContainTextAsync("Password changed.");

        await page.FillAsync("[data-testid=me-displayname]", "Dora D.");
        await page.SelectOptionAsync("[data-testid=me-timezone]", "Asia/Tokyo");
        await page.ClickAsync("[data-testid=me-save-profile]");
        await Assertions.Expect(page.Locator("[data-testid=me-message]")).ToHaveTextAsync("Profile saved.");
        await Assertions.Expect(page.Locator("[data-testid=current-user]")).ToHaveTextAsync("Dora D.");
        await BrowserFixture.ShotAsync(page, "my-account");

        // A time on a page: Tokyo (the choice), in the browser's language, not Berlin (the browser's zone).
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 1))).Items[0];
        var tokyo = TimeZoneInfo.ConvertTime(product.LastChangedAt, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).ToString("g", CultureInfo.GetCultureInfo("de-DE"));
        var berlin = TimeZoneInfo.ConvertTime(product.LastChangedAt, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("g", CultureInfo.GetCultureInfo("de-DE"));
        Assert.NotEqual(tokyo, berlin);
        await page.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync(tokyo);

        // Back to the browser's zone.
        await page.GotoAsync("/account/me");
        await page.SelectOptionAsync("[data-testid=me-timezone]", string.Empty);
        await page.ClickAsync("[data-testid=me-save-profile]");
        await Assertions.Expect(page.Locator("[data-testid=me-message]")).ToHaveTextAsync("Profile saved.");
        await page.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync(berlin);
        await context.CloseAsync();
    }
}
