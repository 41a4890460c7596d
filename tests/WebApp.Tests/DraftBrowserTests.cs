using System.Net;
using System.Net.Sockets;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Data;
using CollabEditor.Data.Drafts;
using CollabEditor.Data.Products;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Unsaved work in a real browser: kept as a draft while typing, back after a reload, through a lost
/// connection (the reconnect dialog) and through an app restart (the session ends; Reload restores it).
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class DraftBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private static ILocator Field(IPage page, string name) => BrowserFixture.Field(page, name);

    private static ILocator ReconnectDialog(IPage page) => page.Locator("#components-reconnect-modal");

    // Every state's message is in the markup all the time; only the current one is visible.
    private static ILocator ReconnectMessage(IPage page, string state) => page.Locator($"[data-testid=reconnect-{state}]");

    private async Task<ProductSnapshot> ProductAsync(int index)
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        return (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: index + 1))).Items[index];
    }

    /// <summary>Waits (up to 10 s) until alice's draft of the product has <paramref name="name"/>.</summary>
    private async Task WaitForDraftAsync(int productId, string name)
    {
        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<CollabDbContext>>();
        string aliceId;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            aliceId = await db.Users.Where(u => u.UserName == "alice").Select(u => u.Id).SingleAsync();
        }

        var drafts = host.Services.GetRequiredService<DraftStore>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await drafts.GetAsync<ProductValues>(aliceId, ResourceKey.ForProduct(productId)))?.Values.Name != name)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public async Task TypedName_IsBackAfterAReload_WithTheRestoredAlert()
    {
        var product = await ProductAsync(0);
        var alice = await browser.SignInAsync(host.BaseAddress, "alice");
        await alice.GotoAsync($"/products/{product.Id}");
        await Field(alice, "Name").FillAsync("Kept across a reload");
        await WaitForDraftAsync(product.Id, "Kept across a reload");

        await alice.ReloadAsync();

        await Assertions.Expect(Field(alice, "Name")).ToHaveValueAsync("Kept across a reload");
        await Assertions.Expect(alice.Locator("[data-testid=draft-restored]")).ToContainTextAsync("Restored your unsaved changes from");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version}");
        await BrowserFixture.ShotAsync(alice, "draft-restored");

        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1} · last changed by Alice");
        await Assertions.Expect(alice.Locator("[data-testid=draft-restored]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task LostConnection_ShowsTheReconnectDialog_AndThePageCarriesOnWhenItIsBack()
    {
        var product = await ProductAsync(1);
        var alice = await browser.SignInAsync(host.BaseAddress, "alice");
        await alice.GotoAsync($"/products/{product.Id}");
        await Field(alice, "Name").FillAsync("Typed before the network went");
        await WaitForDraftAsync(product.Id, "Typed before the network went");

        // Offline stops the reconnect attempts from getting through; closing the socket is the drop itself.
        await alice.Context.SetOfflineAsync(true);
        await alice.EvaluateAsync("() => Blazor._internal.forceCloseConnection()");

        await Assertions.Expect(ReconnectDialog(alice)).ToBeVisibleAsync();
        await Assertions.Expect(ReconnectMessage(alice, "down")).ToBeVisibleAsync();
        await Assertions.Expect(ReconnectMessage(alice, "down")).ToHaveTextAsync("Connection lost — reconnecting… Your unsaved changes are kept on the server.");
        await Assertions.Expect(ReconnectMessage(alice, "ended")).ToBeHiddenAsync();
        await Assertions.Expect(alice.Locator("[data-testid=reconnect-reload]")).ToBeHiddenAsync();
        // The page stays in view behind the dialog, typing included.
        await Assertions.Expect(Field(alice, "Name")).ToBeVisibleAsync();
        await BrowserFixture.ShotAsync(alice, "reconnecting");

        // Back online: the next attempt (at most 5 s later) rejoins the same circuit.
        await alice.Context.SetOfflineAsync(false);
        await Assertions.Expect(ReconnectDialog(alice)).ToBeHiddenAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(Field(alice, "Name")).ToHaveValueAsync("Typed before the network went");
        await Field(alice, "Name").FillAsync("Typed after it came back");
        await WaitForDraftAsync(product.Id, "Typed after it came back");
    }

    [Fact]
    public async Task AppRestart_EndsTheSession_TheDialogSaysSo_AndReloadRestoresTheDraft()
    {
        var product = await ProductAsync(2);
        var port = FreePort();
        // Disposed half-way through; the using only covers a failure before that (disposing twice is harmless).
        await using var first = new FixedPortApp(host.ConnectionString, port);
        first.Start();
        var alice = await browser.SignInAsync(first.BaseAddress, "alice");
        await alice.GotoAsync($"/products/{product.Id}");
        await Field(alice, "Name").FillAsync("Kept through a restart");
        await WaitForDraftAsync(product.Id, "Kept through a restart");

        // The instance goes away with the circuit; a new one comes up on the same address.
        await first.DisposeAsync();
        await Assertions.Expect(ReconnectMessage(alice, "down")).ToBeVisibleAsync();
        await using var second = new FixedPortApp(host.ConnectionString, port);
        second.Start();

        // It is reachable but has never heard of this session: the framework gives up on it.
        await Assertions.Expect(ReconnectMessage(alice, "ended")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(ReconnectMessage(alice, "ended")).ToHaveTextAsync("This session ended Reload to continue; your unsaved changes will be restored.");
        await Assertions.Expect(ReconnectMessage(alice, "down")).ToBeHiddenAsync();
        await Assertions.Expect(alice.Locator("[data-testid=reconnect-reload]")).ToBeVisibleAsync();
        await BrowserFixture.ShotAsync(alice, "reconnect-session-ended");

        await alice.ClickAsync("[data-testid=reconnect-reload]");

        await Assertions.Expect(Field(alice, "Name")).ToHaveValueAsync("Kept through a restart");
        await Assertions.Expect(alice.Locator("[data-testid=draft-restored]")).ToBeVisibleAsync();
        await Assertions.Expect(ReconnectDialog(alice)).ToBeHiddenAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The app on a port chosen in advance, so a restarted instance has the address the browser knows.</summary>
    private sealed class FixedPortApp : WebApplicationFactory<Program>
    {
        private readonly string _database;

        public FixedPortApp(string database, int port)
        {
            _database = database;
            BaseAddress = new Uri($"http://127.0.0.1:{port}");
            UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        }

        public Uri BaseAddress { get; }

        public void Start() => StartServer();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("ConnectionStrings:Collab", _database);
        }
    }
}
