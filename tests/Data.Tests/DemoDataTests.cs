using CollabEditor.Data.Seeding;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Tests;

public sealed class DemoDataTests : DataTest
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContext());
        services.AddIdentityCore<AppUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<CollabDbContext>();
    }

    [Fact]
    public async Task Seed_RunTwiceAtOnce_CreatesUsersAndProductsOnce()
    {
        await Task.WhenAll(DemoData.SeedAsync(Services), DemoData.SeedAsync(Services));
        await DemoData.SeedAsync(Services);

        await using var db = await DbAsync();
        Assert.True(await db.Products.CountAsync() >= 50);
        Assert.Equal(await db.Products.Select(p => p.Sku).Distinct().CountAsync(), await db.Products.CountAsync());
        Assert.Equal(["admin", "alice", "bob"], await db.Users.OrderBy(u => u.UserName).Select(u => u.UserName!).ToListAsync());

        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admin = (await users.FindByNameAsync("admin"))!;
        Assert.True(await users.IsInRoleAsync(admin, "Admin"));
        Assert.True(await users.CheckPasswordAsync(admin, DemoData.DemoPassword));
        Assert.True(await users.IsInRoleAsync((await users.FindByNameAsync("bob"))!, "Editor"));
    }

    [Fact]
    public async Task Seed_CreatesTenCustomersOnce_AndLinksOrdersWithTheCustomersNameCopied()
    {
        await Task.WhenAll(DemoData.SeedAsync(Services), DemoData.SeedAsync(Services));
        await DemoData.SeedAsync(Services);

        await using var db = await DbAsync();
        Assert.Equal(DemoData.CustomerRecords, await db.Customers.CountAsync());
        Assert.Equal(DemoData.CustomerRecords, await db.Customers.Select(c => c.Name).Distinct().CountAsync());
        var orders = await db.Orders.AsNoTracking().ToListAsync();
        var customers = await db.Customers.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name);
        var linked = orders.Where(o => o.CustomerId is not null).ToList();
        Assert.NotEmpty(linked);
        Assert.All(linked, o => Assert.Equal(customers[o.CustomerId!.Value], o.CustomerName));
        // Orders may also name a customer that is no record.
        Assert.Contains(orders, o => o.CustomerId is null);
    }
}
