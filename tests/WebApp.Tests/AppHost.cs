using CollabEditor.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>The real app on a real Kestrel port, on its own fresh database, seeded with the demo data.</summary>
public sealed class AppHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    public AppHost()
    {
    }

    /// <summary>An instance on an existing database (a second instance of the same app).</summary>
    internal AppHost(string database) => ConnectionString = database;

    /// <summary>
    /// An instance on <paramref name="database"/> with <paramref name="settings"/> over the defaults below
    /// (e.g. Production without demo data, as an operator runs it).
    /// </summary>
    internal AppHost(string database, IReadOnlyDictionary<string, string?> settings)
        : this(settings, database)
    {
    }

    /// <summary>An instance with its own settings (on top of, and overriding, the defaults below); on <paramref name="database"/> when given.</summary>
    internal AppHost(IReadOnlyDictionary<string, string?> settings, string? database = null)
    {
        Settings = settings;
        ConnectionString = database ?? string.Empty;
    }

    /// <summary>Settings this instance adds (e.g. small rate limits for a test of them; "Environment" sets the environment).</summary>
    internal IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    /// <summary>Services a test adds after the app's own (e.g. a log capture).</summary>
    internal Action<IServiceCollection>? ConfigureTestServices { get; init; }

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The app's address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (ConnectionString.Length == 0)
        {
            ConnectionString = await TestPostgres.CreateDatabaseAsync("web");
        }

        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Collab", ConnectionString);
        builder.UseSetting("Seed:DemoData", "true");
        // Tests sign the same users in many times from 127.0.0.1: the sign-in limits are tested on hosts that set their own.
        builder.UseSetting("RateLimits:SignInPerAddress", "100000");
        builder.UseSetting("RateLimits:SignInPerUserName", "100000");
        foreach (var (key, value) in Settings)
        {
            if (key == "Environment")
            {
                builder.UseEnvironment(value!);
            }
            else
            {
                builder.UseSetting(key, value);
            }
        }

        if (ConfigureTestServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
