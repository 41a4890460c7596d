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
        : this(database) => _settings = settings;

    private readonly IReadOnlyDictionary<string, string?> _settings = new Dictionary<string, string?>();

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
        foreach (var (key, value) in _settings)
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
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
