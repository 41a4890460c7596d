using System.Globalization;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.Data.Startup;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Seeding;

/// <summary>Demo users and records for a development database. Safe to run on every start and from several instances at once.</summary>
public static class DemoData
{
    /// <summary>The password of every demo account (documented in README.md).</summary>
    public const string DemoPassword = "Collab!2026";

    /// <summary>The demo accounts: user name, display name, role.</summary>
    public static IReadOnlyList<(string UserName, string DisplayName, string Role)> Users { get; } =
    [
        ("alice", "Alice", Roles.Editor),
        ("bob", "Bob", Roles.Editor),
        ("admin", "Admin", Roles.Admin),
    ];

    private static readonly string[] Materials = ["Oak", "Steel", "Walnut", "Bamboo", "Glass", "Copper", "Linen", "Ceramic", "Marble", "Cotton"];
    private static readonly string[] Things = ["Desk", "Chair", "Lamp", "Shelf", "Mug", "Vase", "Stool"];

    /// <summary>Creates roles, the demo users, at least 50 products, 10 customers and 24 orders (most linked to a customer), unless they exist already.</summary>
    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var dbFactory = sp.GetRequiredService<IDbContextFactory<CollabDbContext>>();
        // Two instances starting together must not both seed.
        await using var startupLock = await StartupLock.AcquireAsync(sp, ct);
        await SeedUsersAsync(sp);
        await SeedProductsAsync(dbFactory, ct);
        await SeedCustomersAsync(dbFactory, ct);
        await SeedOrdersAsync(dbFactory, ct);
    }

    private static async Task SeedUsersAsync(IServiceProvider sp)
    {
        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in new[] { Roles.Editor, Roles.Admin })
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)));
            }
        }

        var users = sp.GetRequiredService<UserManager<AppUser>>();
        foreach (var (userName, displayName, role) in Users)
        {
            if (await users.FindByNameAsync(userName) is not null)
            {
                continue;
            }

            var user = new AppUser { UserName = userName, Email = $"{userName}@example.com", EmailConfirmed = true, DisplayName = displayName };
            Check(await users.CreateAsync(user, DemoPassword));
            Check(await users.AddToRoleAsync(user, role));
        }
    }

    private static async Task SeedProductsAsync(IDbContextFactory<CollabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Products.AnyAsync(ct))
        {
            return;
        }

        var n = 0;
        foreach (var material in Materials)
        {
            foreach (var thing in Things)
            {
                n++;
                db.Products.Add(new Product
                {
                    Sku = string.Create(CultureInfo.InvariantCulture, $"{material[..3].ToUpperInvariant()}-{thing[..3].ToUpperInvariant()}-{n:000}"),
                    Name = $"{material} {thing.ToLowerInvariant()}",
                    Description = $"A {thing.ToLowerInvariant()} made of {material.ToLowerInvariant()}.",
                    Price = 5m + (n * 7.35m % 400m),
                    Stock = n * 13 % 120,
                    RequiresCheckout = n % 10 == 0,
                    Version = 1,
                    LastChangedBy = "Seed",
                });
            }
        }

        await db.SaveChangesAsync(ct);
    }

    private static readonly string[] Customers =
    [
        "Northwind Traders", "Contoso Ltd", "Fabrikam Inc", "Tailspin Toys", "Wide World Importers", "Adventure Works",
        "Litware Inc", "Proseware", "Alpine Ski House", "Coho Winery", "Margie's Travel", "Lamna Healthcare",
    ];

    /// <summary>How many of <see cref="Customers"/> are customer records; orders for the others keep a free-text name, as orders may.</summary>
    public const int CustomerRecords = 10;

    private static async Task SeedCustomersAsync(IDbContextFactory<CollabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Customers.AnyAsync(ct))
        {
            return;
        }

        for (var n = 0; n < CustomerRecords; n++)
        {
            var name = Customers[n];
            var domain = new string([.. name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
            db.Customers.Add(new Customer
            {
                Name = name,
                // Every third one without an email: only the name is required.
                Email = n % 3 == 2 ? string.Empty : $"orders@{domain}.example",
                Phone = string.Create(CultureInfo.InvariantCulture, $"+44 20 7946 {n:0000}"),
                Address = string.Create(CultureInfo.InvariantCulture, $"{10 + n} High Street\nLondon"),
                Notes = n % 4 == 0 ? "Invoices by email." : string.Empty,
                Version = 1,
                LastChangedBy = "Seed",
            });
        }

        await db.SaveChangesAsync(ct);
    }

    private static async Task SeedOrdersAsync(IDbContextFactory<CollabDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Orders.AnyAsync(ct))
        {
            return;
        }

        // An order for a customer record links it, with its name copied (as an order save does).
        var customers = await db.Customers.AsNoTracking().ToDictionaryAsync(c => c.Name, c => c.Id, ct);

        var products = await db.Products.AsNoTracking().OrderBy(p => p.Id).ToListAsync(ct);
        OrderStatus[] statuses = [OrderStatus.Draft, OrderStatus.Draft, OrderStatus.Submitted, OrderStatus.Draft, OrderStatus.Submitted, OrderStatus.Fulfilled, OrderStatus.Draft, OrderStatus.Cancelled];
        for (var n = 0; n < 24; n++)
        {
            var order = new Order
            {
                CustomerName = Customers[n % Customers.Length],
                CustomerId = customers.TryGetValue(Customers[n % Customers.Length], out var customerId) ? customerId : null,
                Status = statuses[n % statuses.Length],
                Notes = n % 3 == 0 ? "Deliver to the loading dock." : string.Empty,
                Version = 1,
                LastChangedBy = "Seed",
            };
            var lineCount = 1 + (n * 5 % 6);
            for (var i = 0; i < lineCount; i++)
            {
                var p = products[(n * 7 + i * 11) % products.Count];
                order.Lines.Add(new OrderLineRow
                {
                    Id = Guid.NewGuid(), Position = i, ProductId = p.Id, Sku = p.Sku, ProductName = p.Name,
                    Quantity = 1 + ((n + i) % 9), UnitPrice = p.Price,
                });
            }

            order.LineCount = order.Lines.Count;
            order.Total = order.Lines.Sum(l => l.Quantity * l.UnitPrice);
            db.Orders.Add(order);
        }

        await db.SaveChangesAsync(ct);
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Seeding failed: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
