using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CollabEditor.Data.Seeding;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

/// <summary>An app that trusts forwarded headers from 127.0.0.2 only, with its security log captured.</summary>
public sealed class ProxiedHost : IAsyncLifetime
{
    public const string Proxy = "127.0.0.2";

    public ProxiedHost() => App = new AppHost(new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = Proxy })
    {
        ConfigureTestServices = s => s.AddSingleton<ILoggerProvider>(Logs),
    };

    public AppHost App { get; }

    public LogCapture Logs { get; } = new(SecurityLog.Category);

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class ForwardedHeadersTests(ProxiedHost host) : IClassFixture<ProxiedHost>
{
    private static HttpRequestMessage Forwarded(HttpMethod method, string path, string client = "203.0.113.7")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", client);
        return request;
    }

    [Fact]
    public async Task FromTheConfiguredProxy_RedirectsStayHttps()
    {
        using var proxy = SignIn.ClientFrom(host.App.BaseAddress, ProxiedHost.Proxy);
        using var response = await proxy.SendAsync(Forwarded(HttpMethod.Get, "/products"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("https", response.Headers.Location!.Scheme);
    }

    [Fact]
    public async Task FromTheConfiguredProxy_TheSignInCookieIsSecure_AndTheLogHasTheRealClient()
    {
        using var proxy = SignIn.ClientFrom(host.App.BaseAddress, ProxiedHost.Proxy);
        using var form = await proxy.SendAsync(Forwarded(HttpMethod.Get, "/account/login", "203.0.113.8"));
        var token = SignIn.FormToken(await form.Content.ReadAsStringAsync());
        using var post = Forwarded(HttpMethod.Post, "/account/login", "203.0.113.8");
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "login",
            ["Input.UserName"] = "alice",
            ["Input.Password"] = DemoData.DemoPassword,
        });
        // The antiforgery cookie came back Secure, so the client (like a browser on https) sends it.
        post.Headers.Add("Cookie", string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var response = await proxy.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var identity = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
        Assert.Contains("; secure", identity, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(host.Logs.Lines, l => l.Message.StartsWith("Sign-in succeeded: user alice from 203.0.113.8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FromAnyOtherAddress_TheHeadersAreIgnored()
    {
        using var direct = SignIn.ClientFrom(host.App.BaseAddress, "127.0.0.1");
        using var response = await direct.SendAsync(Forwarded(HttpMethod.Get, "/products"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("http", response.Headers.Location!.Scheme);

        using var form = await direct.SendAsync(Forwarded(HttpMethod.Get, "/account/login"));
        Assert.All(form.Headers.GetValues("Set-Cookie"), c => Assert.DoesNotContain("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ABadProxyAddress_IsRefusedNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.300" }).Build();
        using var services = new ServiceCollection().AddCollabForwardedHeaders(configuration).BuildServiceProvider();
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>>().Value);
        Assert.Contains("ForwardedHeaders:KnownProxies", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class KeyRingProtectionTests
{
    /// <summary>A self-signed certificate on <paramref name="rsa"/>, valid from yesterday for a year.</summary>
    private static X509Certificate2 SelfSigned(RSA rsa, string name) =>
        new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddYears(1));

    private static string KeyRingCertificate(string password)
    {
        using var rsa = RSA.Create(2048);
        using var certificate = SelfSigned(rsa, "CollabEditor key ring (test)");
        var path = Path.Combine(Path.GetTempPath(), $"collab-keyring-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private static async Task<List<string>> StoredKeysAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"Xml\" FROM \"DataProtectionKeys\"", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    [Fact]
    public async Task WithACertificateConfigured_TheStoredKeyIsEncrypted_AndAnotherInstanceReadsIt()
    {
        var certificate = KeyRingCertificate("test-pass");
        var settings = new Dictionary<string, string?> { ["DataProtection:Certificate:Path"] = certificate, ["DataProtection:Certificate:Password"] = "test-pass" };
        try
        {
            string database;
            string protectedText;
            await using (var first = new AppHost(settings))
            {
                await first.InitializeAsync();
                database = first.ConnectionString;
                protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
            }

            var key = Assert.Single(await StoredKeysAsync(database));
            Assert.Contains("<EncryptedData", key, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", key, StringComparison.Ordinal);

            await using var second = new AppHost(settings, database);
            await second.InitializeAsync();
            Assert.Equal("hello", second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
        }
        finally
        {
            File.Delete(certificate);
        }
    }

    [Fact]
    public async Task WithoutACertificate_TheStoredKeyIsPlain()
    {
        // What a Production start warns about: the key's secret in clear in the database.
        await using var app = new AppHost();
        await app.InitializeAsync();
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
        Assert.Contains("<value>", Assert.Single(await StoredKeysAsync(app.ConnectionString)), StringComparison.Ordinal);
    }

    [Fact]
    public void APemCertificateAndKey_ProtectTheKeyRing_AndReadItBack()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = SelfSigned(rsa, "CollabEditor key ring (PEM test)");
        var directory = Directory.CreateTempSubdirectory("collab-keyring-");
        try
        {
            var certPath = Path.Combine(directory.FullName, "keyring.crt");
            var keyPath = Path.Combine(directory.FullName, "keyring.key");
            File.WriteAllText(certPath, certificate.ExportCertificatePem());
            File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
            var keys = directory.CreateSubdirectory("keys");
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DataProtection:Certificate:Path"] = certPath,
                ["DataProtection:Certificate:KeyPath"] = keyPath,
            }).Build();
            ServiceProvider Provider()
            {
                var services = new ServiceCollection();
                services.AddDataProtection().SetApplicationName("CollabEditor").PersistKeysToFileSystem(keys).ProtectKeysWithConfiguredCertificate(configuration);
                return services.BuildServiceProvider();
            }

            string protectedText;
            using (var first = Provider())
            {
                protectedText = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
            }

            var key = File.ReadAllText(Assert.Single(keys.GetFiles("key-*.xml")).FullName);
            Assert.Contains("<EncryptedData", key, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", key, StringComparison.Ordinal);
            using var second = Provider();
            Assert.Equal("hello", second.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void ACertificateThatCannotBeOpened_IsRefusedNamingTheSetting()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = SelfSigned(rsa, "wrong password");
        var path = Path.Combine(Path.GetTempPath(), $"collab-badpass-{Guid.NewGuid():N}.cer");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12));
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataProtection:Certificate:Path"] = path, ["DataProtection:Certificate:Password"] = "wrong" }).Build();
            var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddDataProtection().ProtectKeysWithConfiguredCertificate(configuration));
            Assert.StartsWith("DataProtection:Certificate:Path:", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("Production", null, true)]
    [InlineData("Production", "/run/secrets/keyring.pfx", false)]
    [InlineData("Development", null, false)]
    public void AProductionStartWithoutACertificate_LogsAWarning(string environment, string? path, bool warns)
    {
        var capture = new LogCapture(SecurityLog.Category);
        using var loggers = LoggerFactory.Create(l => l.AddProvider(capture));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataProtection:Certificate:Path"] = path }).Build();
        KeyRingProtection.WarnIfUnprotected(new HostingEnvironment { EnvironmentName = environment }, configuration, new SecurityLog(loggers));
        Assert.Equal(warns, capture.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("DataProtection:Certificate:Path", StringComparison.Ordinal)));
    }
}

/// <summary>Headers on every kind of response, sign-out's antiforgery check, and the browser tests' CSP check itself.</summary>
[Collection(BrowserGroup.Name)]
public sealed class SecurityHeadersTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    [Theory]
    [InlineData("/account/login")]
    [InlineData("/products")]
    [InlineData("/api/products")]
    [InlineData("/health")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/no-such-page")]
    public async Task EveryResponse_HasTheSecurityHeaders(string path)
    {
        using var client = ApiClient.Anonymous(host.BaseAddress);
        using var response = await client.GetAsync(path);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePagesImportMap_CarriesThisResponsesNonce()
    {
        using var client = ApiClient.Anonymous(host.BaseAddress);
        using var response = await client.GetAsync("/account/login");
        var nonce = System.Text.RegularExpressions.Regex.Match(response.Headers.GetValues("Content-Security-Policy").Single(), "'nonce-([^']+)'").Groups[1].Value;
        var importMap = System.Text.RegularExpressions.Regex.Match(await response.Content.ReadAsStringAsync(), "<script[^>]*type=\"importmap\"[^>]*>").Value;
        Assert.Contains($"nonce=\"{nonce}\"", importMap, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_WithABogusAntiforgeryToken_IsRefused_AndTheSessionStays()
    {
        var cookies = await SignIn.CookiesAsync(host.BaseAddress, "alice");
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var bogus = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = "CfDJ8bogus" });
        using var refused = await client.PostAsync("/account/logout", bogus);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var none = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        using (var still = await client.GetAsync("/products"))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        // The app bar's own form signs out.
        var page = await client.GetStringAsync("/products");
        using var real = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = SignIn.FormToken(page) });
        using var signedOut = await client.PostAsync("/account/logout", real);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/account/login", signedOut.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TheSignOutButton_SignsOut_UnderTheCsp()
    {
        var page = await browser.SignInAsync(host.BaseAddress, "alice");
        await page.ClickAsync("[data-testid=sign-out]");
        // The sign-out's redirect, or the page's own (the renewed stamp revokes its circuit at once): both sign in again.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/account/login(\\?.*)?$"));
        await page.GotoAsync("/products");
        await page.WaitForURLAsync("**/account/login?ReturnUrl=*");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ACspViolation_IsSeenByTheBrowserTests()
    {
        var page = await browser.SignInAsync(host.BaseAddress, "bob");
        // An image from another origin: img-src 'self' refuses it (no network needed).
        await page.EvaluateAsync("() => { const img = new Image(); img.src = 'https://example.invalid/x.png'; document.body.appendChild(img); }");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (BrowserFixture.CspViolations.IsEmpty && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await page.WaitForTimeoutAsync(50);
        }

        Assert.Contains(BrowserFixture.CspViolations, v => v.Contains("example.invalid", StringComparison.Ordinal));
        // Seen on purpose: cleared, so this test's own check (FailOnCspViolation) passes.
        BrowserFixture.CspViolations.Clear();
        await page.Context.CloseAsync();
    }
}
