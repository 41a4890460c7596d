using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Tests;

/// <summary>A fresh migrated database per test class, and the app's data services on it.</summary>
public abstract class DataTest : IAsyncLifetime
{
    protected static readonly Actor Alice = new("alice-id", "Alice");
    protected static readonly Actor Bob = new("bob-id", "Bob");
    private ServiceProvider? _services;

    protected string ConnectionString { get; private set; } = string.Empty;

    protected IServiceProvider Services => _services!;

    protected ProductStore Store => Services.GetRequiredService<ProductStore>();

    protected static ProductValues NewProduct(string sku = "OAK-DES-001") => new(sku, "Oak desk", "A desk.", 100m, 10, false);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(GetType().Name);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(ConnectionString);
        ConfigureServices(services);
        _services = services.BuildServiceProvider();
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    protected async Task<CollabDbContext> DbAsync() =>
        await Services.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContextAsync();

    protected async Task<ProductSnapshot> CreateAsync(ProductValues? values = null)
    {
        var result = await Store.CreateAsync(values ?? NewProduct(), Alice);
        return Assert.IsType<SaveResult.Saved>(result).Current;
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}
