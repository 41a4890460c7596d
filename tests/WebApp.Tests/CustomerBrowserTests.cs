using CollabEditor.Data.Customers;
using CollabEditor.Data.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>Customers, the third record kind, end to end as two people in two browsers (issue 15).</summary>
[Collection(BrowserGroup.Name)]
public sealed class CustomerBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private static ILocator Field(IPage page, string name) => BrowserFixture.Field(page, name);

    private static async Task TypeAsync(IPage page, string field, string text)
    {
        await Field(page, field).ClickAsync();
        await Field(page, field).PressAsync("Control+A");
        await page.Keyboard.TypeAsync(text, new() { Delay = 40 });
    }

    [Fact]
    public async Task AliceCreatesACustomer_BobSeesItLive_BothEditWithPresenceLocksAndAMerge_ThenCheckOutAndHistory()
    {
        var alice = await browser.SignInAsync(host.BaseAddress, "alice");
        var bob = await browser.SignInAsync(host.BaseAddress, "bob");
        await bob.GotoAsync("/customers");
        await Assertions.Expect(bob.Locator("[data-testid=customer-grid] tbody tr").First).ToBeVisibleAsync();

        // Alice creates one from the list's button, typing with real key events.
        await alice.GotoAsync("/customers");
        await alice.ClickAsync("[data-testid=new-customer]");
        await Assertions.Expect(alice).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/customers/new$"));
        await TypeAsync(alice, "Name", "Nordwind Handel GmbH");
        await TypeAsync(alice, "Email", "einkauf@nordwind.example");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync("Version 1 · last changed by Alice");
        var id = int.Parse(alice.Url[(alice.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        // Bob's list shows it without a reload.
        await Assertions.Expect(bob.Locator("[data-testid=customer-grid]")).ToContainTextAsync("Nordwind Handel GmbH");
        await BrowserFixture.ShotAsync(bob, "customers-list");

        // Both on the editor: Bob sees Alice in the field she is in, then locked while she changes it.
        await bob.GotoAsync($"/customers/{id}");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");
        await Field(alice, "Phone").FocusAsync();
        await Assertions.Expect(bob.Locator("[data-testid=presence-Phone]")).ToContainTextAsync("Alice", new() { Timeout = 1000 });
        await alice.Keyboard.TypeAsync("+49 40 1234567", new() { Delay = 40 });
        await Assertions.Expect(bob.Locator("[data-testid=field-lock-Phone]")).ToHaveTextAsync("Alice is changing this");
        await Assertions.Expect(Field(bob, "Phone")).Not.ToBeEditableAsync();

        // Bob changes another field meanwhile: never blocked.
        await TypeAsync(bob, "Notes", "Pays within 14 days");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync("Version 2 · last changed by Alice");

        // Bob's page picks up her phone, keeps his notes, says what changed; his save merges both.
        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]")).ToContainTextAsync("Alice saved version 2 (changed: Phone)");
        await BrowserFixture.ShotAsync(bob, "customer-picked-up");
        await Assertions.Expect(Field(bob, "Phone")).ToHaveValueAsync("+49 40 1234567");
        await Assertions.Expect(Field(bob, "Phone")).ToBeEditableAsync();
        await Assertions.Expect(Field(bob, "Notes")).ToHaveValueAsync("Pays within 14 days");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=merge-banner]")).ToContainTextAsync("Merged Alice's change to Phone with yours");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync("Version 3 · last changed by Bob");
        var saved = (await host.Services.GetRequiredService<CustomerStore>().GetAsync(id))!;
        Assert.Equal(("+49 40 1234567", "Pays within 14 days", 3), (saved.Values.Phone, saved.Values.Notes, saved.Version));

        // Bob checks it out: Alice's form is read-only under "Checked out by Bob", until he checks in.
        await bob.ClickAsync("[data-testid=check-out]");
        await Assertions.Expect(alice.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by Bob");
        await Assertions.Expect(Field(alice, "Name")).Not.ToBeEditableAsync();
        await BrowserFixture.ShotAsync(alice, "customer-checked-out");
        await bob.ClickAsync("[data-testid=check-in]");
        await Assertions.Expect(Field(alice, "Name")).ToBeEditableAsync();

        // The history lists the three versions with who saved them.
        await alice.GetByText("History").ClickAsync();
        await Assertions.Expect(alice.Locator("[data-testid=history-entry-3]")).ToContainTextAsync("Bob");
        await Assertions.Expect(alice.Locator("[data-testid=history-entry-2]")).ToContainTextAsync("Alice");
        await Assertions.Expect(alice.Locator("[data-testid=history-entry-1]")).ToContainTextAsync("Alice");
    }

    /// <summary>
    /// Found by an outside try: the delete confirmation opened with focus on Delete (Enter, Enter on a
    /// row's button deleted it) and Escape did not close it.
    /// </summary>
    [Fact]
    public async Task TheDeleteConfirmation_IsSafeFromTheKeyboard_EnterCancelsAndEscapeCloses()
    {
        var customers = host.Services.GetRequiredService<CustomerStore>();
        var created = Assert.IsType<Core.Records.SaveResult<Core.Customers.CustomerSnapshot>.Saved>(
            await customers.CreateAsync(new Core.Customers.CustomerValues("Aardvark Keyboard Ltd", "", "", "", ""), new Core.Users.Actor("seed-id", "Seed"))).Current;
        var alice = await browser.SignInAsync(host.BaseAddress, "alice");
        await alice.GotoAsync("/customers");
        var delete = alice.Locator("[data-testid=delete-customer][aria-label='Delete Aardvark Keyboard Ltd']");

        // Enter on the row's button opens the confirmation; a second Enter lands on Cancel.
        await delete.FocusAsync();
        await alice.Keyboard.PressAsync("Enter");
        await Assertions.Expect(alice.Locator(".mud-dialog")).ToContainTextAsync("Delete Aardvark Keyboard Ltd, version 1?");
        await Assertions.Expect(alice.Locator(".mud-dialog button:focus")).ToHaveTextAsync("Cancel");
        await BrowserFixture.ShotAsync(alice, "delete-confirmation");
        await alice.Keyboard.PressAsync("Enter");
        await Assertions.Expect(alice.Locator(".mud-dialog")).ToHaveCountAsync(0);

        // Escape closes it too.
        await delete.ClickAsync();
        // The dialog is ready for keys once its focus is set (both come with its script, a round trip after it shows).
        await Assertions.Expect(alice.Locator(".mud-dialog button:focus")).ToHaveTextAsync("Cancel");
        await alice.Keyboard.PressAsync("Escape");
        await Assertions.Expect(alice.Locator(".mud-dialog")).ToHaveCountAsync(0);
        Assert.NotNull(await customers.GetAsync(created.Id));
        await alice.Context.CloseAsync();
    }

    [Fact]
    public async Task AnOrderPicksACustomer_TheNameIsCopiedAndTheOrderLinked()
    {
        var customers = host.Services.GetRequiredService<CustomerStore>();
        var orders = host.Services.GetRequiredService<OrderStore>();
        var customer = (await customers.ListAsync(new CustomerQuery(SortBy: "Name", Descending: true, PageSize: 1))).Items[0];
        var summary = (await orders.ListAsync(new OrderQuery(PageSize: 100))).Items.First(o => o.Status == Core.Orders.OrderStatus.Draft);
        var alice = await browser.SignInAsync(host.BaseAddress, "alice");
        await alice.GotoAsync($"/orders/{summary.Id}");

        await alice.Locator("input[data-testid=customer-picker], [data-testid=customer-picker] input").First.ClickAsync();
        await alice.Keyboard.TypeAsync(customer.Values.Name[..5], new() { Delay = 60 });
        await alice.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = customer.Values.Name }).First.ClickAsync();
        await Assertions.Expect(Field(alice, "CustomerName")).ToHaveValueAsync(customer.Values.Name);
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync("last changed by Alice");

        var saved = (await orders.GetAsync(summary.Id))!;
        Assert.Equal((customer.Id, customer.Values.Name), (saved.Values.Header.CustomerId, saved.Values.Header.CustomerName));

        // Typing a name of its own unlinks it (the name is the order's, as before customers existed).
        await TypeAsync(alice, "CustomerName", "Walk-in customer");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {saved.Version + 1}");
        var unlinked = (await orders.GetAsync(summary.Id))!;
        Assert.Equal((null, "Walk-in customer"), (unlinked.Values.Header.CustomerId, unlinked.Values.Header.CustomerName));
    }
}
