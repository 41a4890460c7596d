using System.Net;
using System.Text.RegularExpressions;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Seeding;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CollabEditor.Benchmarks;

/// <summary>The real app on a Kestrel port, on a throwaway local PostgreSQL cluster.</summary>
internal sealed partial class BenchApp(string connectionString, Action<IServiceCollection>? configureServices) : WebApplicationFactory<Program>
{
    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The app's database, as the cluster's superuser (benchmarks that seed or measure raw SQL use it).</summary>
    public string ConnectionString => connectionString;

    /// <param name="configureServices">Services a benchmark adds to the app's own (after them).</param>
    public static async Task<(BenchApp App, LocalPostgresCluster Cluster)> StartAsync(Action<IServiceCollection>? configureServices = null)
    {
        // WebApplicationFactory finds the app's content root through this variable outside a test project.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_COLLABEDITOR_WEBAPP", FindWebAppDirectory());
        var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        var app = new BenchApp(await cluster.EnsureDatabaseAsync("bench"), configureServices);
        app.UseKestrel(0);
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        app.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return (app, cluster);
    }

    private static string FindWebAppDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CollabEditor.sln")))
            {
                return Path.Combine(dir.FullName, "src", "WebApp");
            }
        }

        throw new InvalidOperationException("Run the benchmarks from inside the repository.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Collab", connectionString);
        builder.UseSetting("Seed:DemoData", "true");
        // Benchmarks sign the same users in many times from one address: the sign-in limits would refuse them.
        builder.UseSetting("RateLimits:SignInPerAddress", "1000000");
        builder.UseSetting("RateLimits:SignInPerUserName", "1000000");
        // Production, but run from the build output: serve _framework and _content from the build's manifest (pages need them).
        builder.UseStaticWebAssets();
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }

    /// <summary>Signs in through the real form and returns the cookies.</summary>
    public async Task<CookieContainer> SignInAsync(string user)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        var form = await client.GetStringAsync("/account/login");
        var token = Token().Match(form).Groups[1].Value;
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["_handler"] = "login",
            ["Input.UserName"] = user,
            ["Input.Password"] = DemoData.DemoPassword,
        });
        using var response = await client.PostAsync("/account/login", post);
        return response.StatusCode == HttpStatusCode.Redirect ? cookies : throw new InvalidOperationException("sign-in failed");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
