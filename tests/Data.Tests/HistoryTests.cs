using CollabEditor.Core.Changes;
using CollabEditor.Core.History;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.History;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

public sealed class HistoryTests : DataTest
{
    private static readonly Actor Admin = new("admin-id", "Admin", IsAdmin: true);

    private HistoryStore History => Services.GetRequiredService<HistoryStore>();

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    // For the demo seeding, which creates users too.
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContext());
        services.AddIdentityCore<AppUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<CollabDbContext>();
    }

    private static ProductSnapshot Saved(SaveResult result) => Assert.IsType<SaveResult.Saved>(result).Current;

    private static OrderSnapshot Saved(OrderSaveResult result) => Assert.IsType<OrderSaveResult.Saved>(result).Current;

    private static List<VersionEntry<T>> Versions<T>(IEnumerable<HistoryItem> timeline) => [.. timeline.OfType<VersionEntry<T>>()];

    private async Task<OrderSnapshot> CreateOrderAsync()
    {
        var created = Saved(await Orders.CreateAsync(new OrderHeader("Acme", OrderStatus.Draft, ""), Alice));
        var withLines = created.Values.AddLine(1, "OAK-DES-001", "Oak desk", 2, 100m).AddLine(2, "OAK-CHA-001", "Oak chair", 4, 25.50m);
        return Saved(await Orders.SaveAsync(created.Id, 1, withLines, Alice));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var cmd = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task EverySave_KeepsAVersion_WithWhoWhenAndTheValues_NewestFirst()
    {
        var v1 = await CreateAsync();
        var v2 = Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Bob));

        var versions = Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id));

        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.Equal(("Bob", v2.LastChangedAt, v2.Values, false), (versions[0].ChangedBy, versions[0].At, versions[0].Values, versions[0].Deleted));
        Assert.Equal(("Alice", v1.LastChangedAt, v1.Values, false), (versions[1].ChangedBy, versions[1].At, versions[1].Values, versions[1].Deleted));
        Assert.Equal([new FieldChange("Stock", "Stock", 10, 5)], versions[0].Diff.Fields);
        Assert.Equal(1, versions[0].Diff.PreviousVersion);
        Assert.True(versions[1].Diff.IsFirst);
    }

    [Fact]
    public async Task AFailedSave_KeepsNoVersion()
    {
        var v1 = await CreateAsync();
        Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Bob));

        Assert.IsType<SaveResult.Conflict>(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 6 }, Alice));
        Assert.IsType<SaveResult.Invalid>(await Store.UpdateAsync(v1.Id, 2, v1.Values with { Stock = -1 }, Alice));
        // A write the database refuses is rolled back with its history row.
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync($"UPDATE products SET stock = -1, version = version + 1 WHERE id = {v1.Id}"));

        Assert.Equal([2, 1], Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id)).Select(v => v.Version));
    }

    [Fact]
    public async Task AnOrderVersion_HoldsTheLinesAsOfThatCommit_AlsoWhenOnlyLinesChanged()
    {
        var v2 = await CreateOrderAsync();
        var desk = v2.Values.Lines[0];
        var chair = v2.Values.Lines[1];
        var v3 = Saved(await Orders.SaveAsync(v2.Id, 2, v2.Values.WithLine(desk with { Quantity = 5 }), Bob));
        var v4 = Saved(await Orders.SaveAsync(v2.Id, 3, v3.Values.RemoveLine(chair.LineId).WithLine(desk with { Quantity = 5, UnitPrice = 90m }), Alice));
        var v5 = Saved(await Orders.SaveAsync(v2.Id, 4, v4.Values.WithHeader(v4.Values.Header with { Status = OrderStatus.Submitted, Notes = "Rush." }), Bob));

        var versions = Versions<OrderValues>(await History.OrderHistoryAsync(v2.Id));

        Assert.Equal([5, 4, 3, 2, 1], versions.Select(v => v.Version));
        Assert.Equal(["Bob", "Alice", "Bob", "Alice", "Alice"], versions.Select(v => v.ChangedBy));
        Assert.Equal(v5.LastChangedAt, versions[0].At);
        Assert.True(versions[0].Values.SameAs(v5.Values));
        Assert.True(versions[1].Values.SameAs(v4.Values));
        Assert.True(versions[2].Values.SameAs(v3.Values));
        Assert.True(versions[3].Values.SameAs(v2.Values));
        Assert.Empty(versions[4].Values.Lines);

        // v5: header only.
        Assert.Equal(["Status", "Notes"], versions[0].Diff.Fields.Select(f => f.Name));
        Assert.Empty(versions[0].Diff.Lines);
        // v4: the chair removed, the desk's price changed.
        Assert.Empty(versions[1].Diff.Fields);
        Assert.Equal([(desk.LineId, LineChangeKind.Changed), (chair.LineId, LineChangeKind.Removed)], versions[1].Diff.Lines.Select(l => (l.LineId, l.Kind)));
        Assert.Equal([new FieldChange("UnitPrice", "Unit price", 100m, 90m)], versions[1].Diff.Lines[0].Fields);
        // v3: only a line's quantity.
        Assert.Empty(versions[2].Diff.Fields);
        var changed = Assert.Single(versions[2].Diff.Lines);
        Assert.Equal([new FieldChange("Quantity", "Quantity", 2, 5)], changed.Fields);
        // v2: two lines added.
        Assert.Equal([LineChangeKind.Added, LineChangeKind.Added], versions[3].Diff.Lines.Select(l => l.Kind));
    }

    [Fact]
    public async Task AnOrderChangedTwiceInOneTransaction_KeepsOnlyTheCommittedVersion_WithItsLines()
    {
        await ExecuteAsync("""
            BEGIN;
            INSERT INTO orders (customer_name, status, notes, version, last_changed_by) VALUES ('Acme', 'Draft', '', 1, 'Alice');
            UPDATE orders SET notes = 'Rush.', version = 2, last_changed_at = clock_timestamp() WHERE customer_name = 'Acme';
            INSERT INTO order_lines (id, order_id, position, product_id, sku, product_name, quantity, unit_price)
                SELECT gen_random_uuid(), id, 0, 1, 'OAK-DES-001', 'Oak desk', 3, 100 FROM orders WHERE customer_name = 'Acme';
            COMMIT;
            """);
        var id = (await Orders.ListAsync(new OrderQuery())).Items.Single().Id;

        var version = Assert.Single(Versions<OrderValues>(await History.OrderHistoryAsync(id)));

        Assert.Equal((2, "Alice", "Rush."), (version.Version, version.ChangedBy, version.Values.Header.Notes));
        Assert.Equal(3, Assert.Single(version.Values.Lines).Quantity);
    }

    [Fact]
    public async Task RestoreProduct_WritesThatVersionsValues_AsTheNextVersion()
    {
        var v1 = await CreateAsync();
        Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Name = "Oak desk XL", Stock = 5 }, Alice));

        var v3 = Saved(await History.RestoreProductAsync(v1.Id, 1, 2, Bob));

        Assert.Equal((3, "Bob"), (v3.Version, v3.LastChangedBy));
        Assert.Equal(v1.Values, v3.Values);
        Assert.Equal(v1.Values, (await Store.GetAsync(v1.Id))!.Values);
        var newest = Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id))[0];
        Assert.Equal((3, "Bob"), (newest.Version, newest.ChangedBy));
        Assert.Equal(
            [new FieldChange("Name", "Name", "Oak desk XL", "Oak desk"), new FieldChange("Stock", "Stock", 5, 10)],
            newest.Diff.Fields);
    }

    [Fact]
    public async Task RestoreProduct_WhenStale_IsAConflict_AndNothingChanges()
    {
        var v1 = await CreateAsync();
        var v2 = Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Alice));
        var v3 = Saved(await Store.UpdateAsync(v1.Id, 2, v2.Values with { Price = 80m }, Bob));

        var conflict = Assert.IsType<SaveResult.Conflict>(await History.RestoreProductAsync(v1.Id, 1, 2, Alice));

        Assert.Equal(v3, conflict.Theirs);
        Assert.Equal(v3, await Store.GetAsync(v1.Id));
        Assert.Equal([3, 2, 1], Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id)).Select(v => v.Version));
    }

    [Fact]
    public async Task RestoreProduct_OfAVersionNotInTheHistory_IsInvalid_NamingTheVersion()
    {
        var v1 = await CreateAsync();

        var invalid = Assert.IsType<SaveResult.Invalid>(await History.RestoreProductAsync(v1.Id, 7, 1, Alice));

        var error = Assert.Single(invalid.Errors);
        Assert.Equal("Version", error.Field);
        Assert.Contains("Version 7", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await Store.GetAsync(v1.Id))!.Version);
        Assert.IsType<SaveResult.Invalid>(await History.RestoreProductAsync(v1.Id + 100, 1, 1, Alice));
    }

    [Fact]
    public async Task RestoreProduct_IsFencedByTheLease()
    {
        var v1 = await CreateAsync();
        Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Alice));
        var lease = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(ResourceKey.ForProduct(v1.Id), Alice, "tab-1")).Lease;

        Assert.IsType<SaveResult.Locked>(await History.RestoreProductAsync(v1.Id, 1, 2, Bob));
        Assert.Equal(10, Saved(await History.RestoreProductAsync(v1.Id, 1, 2, Alice, lease.Token)).Values.Stock);
    }

    [Fact]
    public async Task RestoreOrder_WritesHeaderAndLinesOfThatVersion_AsTheNextVersion()
    {
        var v2 = await CreateOrderAsync();
        Saved(await Orders.SaveAsync(v2.Id, 2, v2.Values.RemoveLine(v2.Values.Lines[1].LineId).WithHeader(v2.Values.Header with { Notes = "Half." }), Bob));

        var v4 = Saved(await History.RestoreOrderAsync(v2.Id, 2, 3, Alice));

        Assert.Equal((4, "Alice"), (v4.Version, v4.LastChangedBy));
        Assert.True(v4.Values.SameAs(v2.Values));
        Assert.True((await Orders.GetAsync(v2.Id))!.Values.SameAs(v2.Values));
        var newest = Versions<OrderValues>(await History.OrderHistoryAsync(v2.Id))[0];
        Assert.Equal(["Notes"], newest.Diff.Fields.Select(f => f.Name));
        Assert.Equal((LineChangeKind.Added, v2.Values.Lines[1].LineId), (Assert.Single(newest.Diff.Lines).Kind, newest.Diff.Lines[0].LineId));

        Assert.IsType<OrderSaveResult.Conflict>(await History.RestoreOrderAsync(v2.Id, 3, 3, Alice));
        Assert.Equal("Version", Assert.Single(Assert.IsType<OrderSaveResult.Invalid>(await History.RestoreOrderAsync(v2.Id, 9, 4, Alice)).Errors).Field);
        Assert.True((await Orders.GetAsync(v2.Id))!.Values.SameAs(v4.Values));
        Assert.Equal(4, (await Orders.GetAsync(v2.Id))!.Version);
    }

    [Fact]
    public async Task LeaseEvents_AreInterleavedWithTheVersions_ButNotRenewals()
    {
        var v1 = await CreateAsync();
        var key = ResourceKey.ForProduct(v1.Id);
        var alices = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(key, Alice, "tab-1")).Lease;
        Assert.IsType<LeaseChange.Done>(await Leases.RenewAsync(key, alices.Token, Alice));
        Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Alice, alices.Token));
        Assert.IsType<LeaseChange.Done>(await Leases.ReleaseAsync(key, alices.Token, Alice));
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(key, Bob, "tab-2"));
        Assert.IsType<LeaseChange.Done>(await Leases.ForceReleaseAsync(key, Admin, "inventory count"));

        var timeline = await History.ProductHistoryAsync(v1.Id);

        Assert.Equal(
            ["force-released Admin/Bob inventory count", "granted Bob/Bob", "released Alice/Alice", "v2 Alice", "granted Alice/Alice", "v1 Alice"],
            timeline.Select(i => i switch
            {
                VersionEntry v => $"v{v.Version} {v.ChangedBy}",
                LeaseEvent l => $"{l.Action} {l.UserName}/{l.HolderName}{(l.Reason is null ? "" : " " + l.Reason)}",
                _ => "?",
            }));
    }

    [Fact]
    public async Task ADeletedProduct_KeepsItsHistory_WithTheDeletionAndWhoDeletedIt()
    {
        var v1 = await CreateAsync();
        var v2 = Saved(await Store.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Alice));

        Assert.IsType<DeleteResult.Removed>(await Store.DeleteAsync(v1.Id, 2, Bob));

        var versions = Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id));
        Assert.Equal([(2, true, "Bob"), (2, false, "Alice"), (1, false, "Alice")], versions.Select(v => (v.Version, v.Deleted, v.ChangedBy)));
        Assert.Equal(v2.Values, versions[0].Values);
        // The deletion is not a version to restore.
        Assert.Equal(v2.Values, await History.ProductVersionAsync(v1.Id, 2));
    }

    [Fact]
    public async Task ADeletedOrder_KeepsItsLastLines()
    {
        var v2 = await CreateOrderAsync();

        await ExecuteAsync($"BEGIN; SELECT set_config('collab.actor', 'Bob', true); DELETE FROM orders WHERE id = {v2.Id}; COMMIT;");

        var deleted = Versions<OrderValues>(await History.OrderHistoryAsync(v2.Id))[0];
        Assert.Equal((2, true, "Bob"), (deleted.Version, deleted.Deleted, deleted.ChangedBy));
        Assert.True(deleted.Values.SameAs(v2.Values));
    }

    [Fact]
    public async Task AWriteFromOutsideTheApp_IsKept_AsAnotherProgram()
    {
        var v1 = await CreateAsync();

        await ExecuteAsync($"UPDATE products SET stock = 3, version = version + 1 WHERE id = {v1.Id}");
        await ExecuteAsync($"UPDATE products SET stock = 3 WHERE id = {v1.Id}");

        var versions = Versions<ProductValues>(await History.ProductHistoryAsync(v1.Id));
        Assert.Equal([(2, "another program"), (1, "Alice")], versions.Select(v => (v.Version, v.ChangedBy)));
    }

    [Fact]
    public async Task ALongHistory_IsShownNewestFirst_UpToTheLimit_TheOldestShownStillDiffed()
    {
        var v = await CreateAsync();
        for (var stock = 1; stock <= 5; stock++)
        {
            v = Saved(await Store.UpdateAsync(v.Id, v.Version, v.Values with { Stock = stock }, Alice));
        }

        var versions = Versions<ProductValues>(await History.ProductHistoryAsync(v.Id, take: 3));

        Assert.Equal([6, 5, 4], versions.Select(x => x.Version));
        Assert.Equal([new FieldChange("Stock", "Stock", 2, 3)], versions[2].Diff.Fields);
    }

    [Fact]
    public async Task TheDemoSeed_RunAfterTheMigrations_GivesEveryRecordItsFirstVersion()
    {
        await DemoData.SeedAsync(Services);

        await using var db = await DbAsync();
        var entries = await db.RecordHistory.AsNoTracking().ToListAsync();
        Assert.Equal(await db.Products.CountAsync() + await db.Orders.CountAsync() + await db.Customers.CountAsync(), entries.Count);
        Assert.All(entries, e => Assert.Equal((1, "Seed", false), (e.Version, e.ChangedBy, e.Deleted)));
        var order = await db.Orders.AsNoTracking().Include(o => o.Lines).OrderBy(o => o.Id).FirstAsync();
        var first = Assert.Single(Versions<OrderValues>(await History.OrderHistoryAsync(order.Id)));
        Assert.Equal(order.Lines.Count, first.Values.Lines.Count);
        Assert.NotEmpty(first.Values.Lines);
    }

    [Fact]
    public async Task Paging_AnyPageSize_ReadsExactlyTheUnpagedTimeline_IncludingTakeoversAtOneInstant()
    {
        var current = await CreateAsync();
        var key = ResourceKey.ForProduct(current.Id);
        var shortLeases = new LeaseStore(Services.GetRequiredService<NpgsqlDataSource>(),
            Microsoft.Extensions.Options.Options.Create(new LeaseOptions { Ttl = TimeSpan.FromMilliseconds(300), RenewEvery = TimeSpan.FromMilliseconds(100) }), TimeProvider.System);
        for (var round = 0; round < 4; round++)
        {
            var alices = Assert.IsType<AcquireResult.Granted>(await shortLeases.AcquireAsync(key, Alice, "tab-1")).Lease;
            current = Saved(await Store.UpdateAsync(current.Id, current.Version, current.Values with { Stock = round }, Alice, alices.Token));
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                while (await Leases.GetAsync(key) is not null)
                {
                    await Task.Delay(50, timeout.Token);
                }
            }

            // Bob takes over the expired lease: "expired" and "granted" at one instant, in one statement.
            var bobs = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(key, Bob, "tab-2")).Lease;
            current = Saved(await Store.UpdateAsync(current.Id, current.Version, current.Values with { Name = $"Round {round}" }, Bob, bobs.Token));
            Assert.IsType<LeaseChange.Done>(await Leases.ReleaseAsync(key, bobs.Token, Bob));
        }

        static string Id(HistoryItem i) => i is VersionEntry v ? $"v{v.Version}" : $"{((LeaseEvent)i).Action}#{i.Id}";
        var whole = (await History.ProductHistoryAsync(current.Id, take: 1000)).Select(Id).ToList();
        Assert.Contains(whole, e => e.StartsWith("expired", StringComparison.Ordinal));
        foreach (var size in (int[])[1, 2, 3, 7])
        {
            var paged = new List<string>();
            HistoryCursor? cursor = null;
            do
            {
                var page = await History.ProductHistoryPageAsync(current.Id, size, cursor);
                Assert.True(page.Items.Count <= size);
                paged.AddRange(page.Items.Select(Id));
                if (page.Next is { } next)
                {
                    // What a client gets is the encoded form: it must read back as the same position.
                    Assert.True(HistoryCursor.TryParse(next.Encode(), out var back));
                    Assert.Equal(next, back);
                }

                cursor = page.Next;
            }
            while (cursor is not null);

            Assert.Equal(whole, paged);
        }
    }
}
