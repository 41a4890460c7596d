using CollabEditor.Data.Products;
using CollabEditor.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>Two app instances on one database, as behind a load balancer (DESIGN.md "Scale-out").</summary>
public sealed class TwoInstances : IAsyncLifetime
{
    public AppHost A { get; private set; } = default!;

    public AppHost B { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync("two");
        A = new AppHost(database);
        B = new AppHost(database);
        // Started together: migrations and seeding must cope with a concurrent start.
        await Task.WhenAll(Task.Run(A.InitializeAsync), Task.Run(B.InitializeAsync));
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

[Collection(BrowserGroup.Name)]
public sealed class TwoInstanceTests(TwoInstances apps, BrowserFixture browser) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task ASaveOnInstanceA_UpdatesAPageOnInstanceB_WithinASecond_AndPresenceCrossesInstances()
    {
        Assert.NotEqual(apps.A.BaseAddress, apps.B.BaseAddress);
        var store = apps.A.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Price", PageSize: 1))).Items[0];

        var alice = await browser.SignInAsync(apps.A.BaseAddress, "alice");
        var bob = await browser.SignInAsync(apps.B.BaseAddress, "bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");

        await Assertions.Expect(alice.Locator("[data-testid=presence]")).ToContainTextAsync("Bob");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");

        await BrowserFixture.Field(alice, "Stock").FillAsync("4242");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");
        var saved = System.Diagnostics.Stopwatch.StartNew();

        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]"))
            .ToContainTextAsync($"Alice saved version {product.Version + 1} (changed: Stock)", new() { Timeout = 1000 });
        await Assertions.Expect(BrowserFixture.Field(bob, "Stock")).ToHaveValueAsync("4242", new() { Timeout = 1000 });
        Assert.True(saved.ElapsedMilliseconds < 1000, $"instance B showed the save after {saved.ElapsedMilliseconds} ms");
        await BrowserFixture.ShotAsync(bob, "instance-b-banner");

        // Alice closes her tab on A: Bob on B stops seeing her within a few seconds.
        await alice.Context.CloseAsync();
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToHaveCountAsync(0, new() { Timeout = 8000 });
    }
}
