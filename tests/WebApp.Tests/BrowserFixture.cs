using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Playwright;
using Xunit.Sdk;

namespace CollabEditor.WebApp.Tests;

/// <summary>Browser tests share one Chromium and run one class at a time: each drives real app instances and a browser on two cores.</summary>
[CollectionDefinition(Name)]
[FailOnCspViolation]
public sealed class BrowserGroup : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}

/// <summary>
/// Every browser test runs under the app's Content-Security-Policy and fails when the browser reported a
/// violation during it (collection-level, so no test has to ask). One test at a time runs in the collection.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FailOnCspViolationAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest) => BrowserFixture.CspViolations.Clear();

    public override void After(MethodInfo methodUnderTest)
    {
        // The people of this test leave: their pages close, so no circuit of theirs outlives the test
        // into its app's shutdown (a class fixture's host is disposed after its last test).
        BrowserFixture.CloseContextsOfThisTest();
        var seen = BrowserFixture.CspViolations.ToArray();
        BrowserFixture.CspViolations.Clear();
        if (seen.Length > 0)
        {
            throw new XunitException($"The browser reported {seen.Length} Content-Security-Policy violation(s):{Environment.NewLine}{string.Join(Environment.NewLine, seen)}");
        }
    }
}

/// <summary>
/// The system Chromium driven by Playwright (which cannot download its own browsers here).
/// COLLAB_CHROMIUM overrides the path.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>What the browser reported as CSP violations since the current test began (FailOnCspViolation).</summary>
    public static ConcurrentQueue<string> CspViolations { get; } = new();

    /// <summary>Where the tests write screenshots for a person to look at.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("COLLAB_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {path}. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set COLLAB_CHROMIUM to its path.");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        // Every context, however a test makes it: Chromium reports each CSP violation as a console error.
        Browser.Context += (_, context) =>
        {
            OpenContexts.Enqueue(context);
            context.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    CspViolations.Enqueue($"{message.Location}: {message.Text}");
                }
            };
        };
    }

    private static readonly ConcurrentQueue<IBrowserContext> OpenContexts = new();

    /// <summary>Closes every context opened since the last call (one test at a time runs in the collection).</summary>
    internal static void CloseContextsOfThisTest()
    {
        var closing = new List<Task>();
        while (OpenContexts.TryDequeue(out var context))
        {
            closing.Add(context.CloseAsync());
        }

        // Closing is quick; a context the browser already lost must not hold up the next test.
        _ = Task.WhenAll(closing).Wait(TimeSpan.FromSeconds(15));
    }

    /// <summary>A new browser context (one person) signed in as <paramref name="user"/> on the app at <paramref name="baseAddress"/>.</summary>
    public Task<IPage> SignInAsync(Uri baseAddress, string user) => SignInAsync(baseAddress, user, new());

    /// <summary>
    /// As <see cref="SignInAsync(Uri, string)"/>, in a context with <paramref name="options"/> (e.g. a
    /// <c>TimezoneId</c> and <c>Locale</c>); the address and the window size are filled in when not set.
    /// </summary>
    public async Task<IPage> SignInAsync(Uri baseAddress, string user, BrowserNewContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(options);
        options.BaseURL ??= baseAddress.ToString();
        options.ViewportSize ??= new() { Width = 1400, Height = 900 };
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", CollabEditor.Data.Seeding.DemoData.DemoPassword);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForURLAsync("**/products");
        return page;
    }

    /// <summary>Saves a screenshot for a person to look at.</summary>
    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png") });

    /// <summary>A MudBlazor field by its data-testid (on the input itself or on its wrapper).</summary>
    public static ILocator Field(IPage page, string name) => page.Locator($"input[data-testid=field-{name}], textarea[data-testid=field-{name}], [data-testid=field-{name}] input, [data-testid=field-{name}] textarea").First;

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
