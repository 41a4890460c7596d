using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The app stops while editor pages are open and typed in (a proxy that never passes the browser's
/// disconnect, a deploy): the pages' last writes (draft, presence, check-out) meet services already
/// gone. Found by CI as a test-class cleanup failure; the circuits must end without an error.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class ShutdownWithOpenEditorsTests(BrowserFixture browser)
{
    [Fact]
    public async Task AppStopping_WithTypedInEditorPagesOpen_EndsEveryCircuitWithoutAnError()
    {
        var circuitErrors = new LogCapture("Microsoft.AspNetCore.Components.Server.Circuits.CircuitHost");
        for (var round = 0; round < 3; round++)
        {
            var host = new AppHost { ConfigureTestServices = s => s.AddSingleton<ILoggerProvider>(circuitErrors) };
            await host.InitializeAsync();
            var products = (await host.Services.GetRequiredService<ProductStore>().ListAsync(new ProductQuery(PageSize: 5))).Items;
            var page = await browser.SignInAsync(host.BaseAddress, "alice");
            foreach (var product in products)
            {
                var tab = await page.Context.NewPageAsync();
                await tab.GotoAsync(new Uri(host.BaseAddress, $"/products/{product.Id}").ToString());
                await Assertions.Expect(tab.Locator("[data-testid=version-line]")).ToBeVisibleAsync();
                await BrowserFixture.Field(tab, "Name").ClickAsync();
                await tab.Keyboard.TypeAsync("x", new() { Delay = 10 });
            }

            // The pages stay open while the app stops: their circuits are disposed by the stopping app.
            await ((IAsyncLifetime)host).DisposeAsync();
            await page.Context.CloseAsync();
        }

        Assert.DoesNotContain(circuitErrors.Lines, l => l.Level >= LogLevel.Error);
    }
}
