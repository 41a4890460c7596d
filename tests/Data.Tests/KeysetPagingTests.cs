using CollabEditor.Core.Orders;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>
/// Keyset paging (issue 14): every sort both ways reads every row once in the list's order, forward
/// and backward, while rows come and go; orders carry their line count and total for those sorts.
/// </summary>
public sealed class KeysetPagingTests : DataTest
{
    private const int Products = 137;
    private const int PageSize = 10;

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    public static TheoryData<string, bool> ProductSorts()
    {
        var data = new TheoryData<string, bool>();
        foreach (var column in ProductStore.SortColumns)
        {
            data.Add(column.Name, false);
            data.Add(column.Name, true);
        }

        return data;
    }

    /// <summary>Products with many equal prices, stocks, names, versions and editors: ties everywhere.</summary>
    private async Task SeedAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by, last_changed_at)
            SELECT 'K-' || lpad(n::text, 4, '0'), 'Name ' || (n % 7), '', (n % 5) * 1.25, n % 3, false, 1 + n % 4,
                   'Editor ' || (n % 6), timestamptz '2026-11-01 10:00:00+00' + ((n % 9) * interval '1 minute')
              FROM generate_series(1, {Products}) n
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<int>> WalkAsync(string sort, bool descending, bool backward)
    {
        var seen = new List<int>();
        ListCursor? cursor = backward ? ListCursor.LastOf(sort, descending) : null;
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await Store.ListAsync(new ProductQuery(SortBy: sort, Descending: descending, PageSize: PageSize, Cursor: cursor));
            Assert.InRange(page.Items.Count, 1, PageSize);
            // Only the first page of a backward walk may be short (137 is not a multiple of 10).
            Assert.True(page.Items.Count == PageSize || (backward ? page.Previous is null : page.Next is null), $"a short page in the middle: {page.Items.Count}");
            var ids = page.Items.Select(p => p.Id).ToList();
            if (backward)
            {
                seen.InsertRange(0, ids);
            }
            else
            {
                seen.AddRange(ids);
            }

            cursor = backward ? page.Previous : page.Next;
            if (cursor is null)
            {
                return seen;
            }
        }

        throw new InvalidOperationException("The walk did not end.");
    }

    private static readonly Dictionary<string, string> Columns = new()
    {
        ["Sku"] = "sku", ["Name"] = "name", ["Price"] = "price", ["Stock"] = "stock", ["Version"] = "version",
        ["LastChangedAt"] = "last_changed_at", ["LastChangedBy"] = "last_changed_by",
    };

    /// <summary>The reference order, from SQL written out: ORDER BY column, id (both descending for a descending sort).</summary>
    private async Task<List<int>> OffsetOrderAsync(string sort, bool descending)
    {
        var direction = descending ? "DESC" : "ASC";
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT id FROM products ORDER BY {Columns[sort]} {direction}, id {direction}", connection);
        var ids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }

    [Theory]
    [MemberData(nameof(ProductSorts))]
    public async Task EverySort_BothWays_ReadsEveryRowOnce_InTheListOrder_ForwardAndBackward(string sort, bool descending)
    {
        await SeedAsync();
        var expected = await OffsetOrderAsync(sort, descending);
        Assert.Equal(Products, expected.Count);

        var forward = await WalkAsync(sort, descending, backward: false);
        var backward = await WalkAsync(sort, descending, backward: true);

        Assert.Equal(expected, forward);
        Assert.Equal(expected, backward);
    }

    [Fact]
    public async Task OffsetPages_AndCursorPages_AgreeOnTheOrder()
    {
        await SeedAsync();
        var byOffset = new List<int>();
        for (var page = 1; page * PageSize < Products + PageSize; page++)
        {
            byOffset.AddRange((await Store.ListAsync(new ProductQuery(SortBy: "Price", Page: page, PageSize: PageSize))).Items.Select(p => p.Id));
        }

        var first = (await Store.ListAsync(new ProductQuery(SortBy: "Price", PageSize: PageSize))).Items.Select(p => p.Id);
        Assert.Equal(await WalkAsync("Price", false, backward: false), [.. first, .. byOffset]);
    }

    [Fact]
    public async Task NaiveKeyset_OnTheColumnAlone_SkipsRowsThatTie()
    {
        // Negative control: "WHERE price > last price" without the id tie-break loses every row that
        // shares a price with the last row of a page.
        await SeedAsync();
        await using var db = await DbAsync();
        var seen = new List<int>();
        decimal? last = null;
        while (true)
        {
            var rows = db.Products.AsNoTracking();
            if (last is { } l)
            {
                rows = rows.Where(p => p.Price > l);
            }

            var page = await rows.OrderBy(p => p.Price).ThenBy(p => p.Id).Take(PageSize).ToListAsync();
            if (page.Count == 0)
            {
                break;
            }

            seen.AddRange(page.Select(p => p.Id));
            last = page[^1].Price;
        }

        Assert.True(seen.Count < Products, $"the naive walk read {seen.Count} of {Products}");
        Assert.Equal(Products, (await WalkAsync("Price", false, backward: false)).Count);
    }

    [Fact]
    public async Task AWalk_WhileOthersDeleteAndInsert_ReadsEveryRowThatStayed_ExactlyOnce_InOrder()
    {
        await SeedAsync();
        var before = await OffsetOrderAsync("Stock", false);
        var seen = new List<int>();
        var deleted = new HashSet<int>();
        ListCursor? cursor = null;
        var round = 0;
        do
        {
            var page = await Store.ListAsync(new ProductQuery(SortBy: "Stock", PageSize: PageSize, Cursor: cursor));
            seen.AddRange(page.Items.Select(p => p.Id));
            cursor = page.Next;

            // Between pages: a row ahead and a row behind go, a new row comes.
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            var victims = new[] { before[Math.Min(before.Count - 1, (round + 2) * PageSize + 3)], before[round * PageSize / 2] };
            deleted.UnionWith(victims);
            await using (var delete = new NpgsqlCommand("DELETE FROM products WHERE id = ANY($1)", connection) { Parameters = { new() { Value = victims } } })
            {
                await delete.ExecuteNonQueryAsync();
            }

            await using (var insert = new NpgsqlCommand(
                "INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by, last_changed_at) VALUES ($1, 'New', '', 1, $2, false, 1, 'Bob', now())", connection)
            { Parameters = { new() { Value = $"NEW-{round}" }, new() { Value = round % 3 } } })
            {
                await insert.ExecuteNonQueryAsync();
            }

            round++;
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        var stayed = before.Where(id => !deleted.Contains(id)).ToList();
        Assert.Equal(stayed, seen.Where(stayed.Contains));
    }

    [Fact]
    public async Task BackFromTheSecondPage_IsTheFirstPage_AndAfterRowsThatWent_IsAnEmptyPageLeadingToTheLast()
    {
        await SeedAsync();
        var first = await Store.ListAsync(new ProductQuery(SortBy: "Name", PageSize: PageSize));
        Assert.Null(first.Previous);
        var second = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: first.Next));
        Assert.Equal("Name", second.Next!.Sort);
        var back = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: second.Previous));
        Assert.Equal(first.Items.Select(p => p.Id), back.Items.Select(p => p.Id));
        Assert.Null(back.Previous);

        var last = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: first.Last));
        Assert.Null(last.Next);
        Assert.Equal(PageSize, last.Items.Count);

        // Everything from the page before the last onwards goes: its next page is empty and leads back to the last rows.
        var beforeLast = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: last.Previous));
        await using (var db = await DbAsync())
        {
            var ids = last.Items.Select(p => p.Id).ToList();
            await db.Products.Where(p => ids.Contains(p.Id)).ExecuteDeleteAsync();
        }

        var after = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: beforeLast.Next));
        Assert.Empty(after.Items);
        Assert.Null(after.Next);
        var lastNow = await Store.ListAsync(new ProductQuery(PageSize: PageSize, Cursor: after.Previous));
        Assert.Equal(beforeLast.Items.Select(p => p.Id), lastNow.Items.Select(p => p.Id));
    }

    [Theory]
    [InlineData("Name", "Price", false)] // every row matches: the page is found among the next rows in order
    [InlineData("name 3", "Stock", true)] // one in seven: the same, walked to the end
    [InlineData("K-004", "LastChangedAt", false)] // ten rows: asked of the trigram index behind the fence
    [InlineData("k-0137", "Sku", true)] // one row
    public async Task ASearch_WalksItsMatchesInTheListOrder_HoweverItIsRead(string search, string sort, bool descending)
    {
        await SeedAsync();
        var direction = descending ? "DESC" : "ASC";
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM products WHERE sku ILIKE $1 OR name ILIKE $1 ORDER BY {Columns[sort]} {direction}, id {direction}", connection)
        { Parameters = { new() { Value = $"%{search}%" } } };
        var expected = new List<int>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetInt32(0));
            }
        }

        var seen = new List<int>();
        ListCursor? cursor = null;
        do
        {
            var page = await Store.ListAsync(new ProductQuery(Search: search, SortBy: sort, Descending: descending, PageSize: PageSize, Cursor: cursor));
            Assert.Equal((expected.Count, false), (page.TotalCount, page.TotalIsEstimate));
            seen.AddRange(page.Items.Select(p => p.Id));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Cursors_RoundTrip_AndAnythingElseIsRefused()
    {
        var cursor = new ListCursor("LastChangedAt", true, PageMove.After, Keyset.Time(new DateTimeOffset(2026, 12, 1, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4560)), 42);
        Assert.True(ListCursor.TryDecode(cursor.Encode(), out var back));
        Assert.Equal(cursor, back);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4560), Keyset.ParseTime(back.Key!));
        foreach (var bad in new[] { "", "x", "eyJ9", "eyJzIjoiIiwibSI6MX0", new string('A', 3000), "%%%", "eyJzIjoiU2t1IiwibSI6MSwiayI6bnVsbH0" })
        {
            Assert.False(ListCursor.TryDecode(bad, out _), bad);
        }
    }

    [Fact]
    public async Task OrderSaves_WriteTheLineCountAndTotal_AndTheListSortsByThem()
    {
        var ids = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader($"Customer {i}", OrderStatus.Draft, ""), Alice)).Current;
            var lines = Enumerable.Range(0, 1 + ((i * 3) % 4))
                .Select(n => new OrderLine(Guid.NewGuid(), 1, $"SKU-{n}", $"Item {n}", 1 + ((i + n) % 3), 2.50m * (n + 1))).ToList();
            Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(created.Id, created.Version, created.Values with { Lines = lines }, Alice));
            ids.Add(created.Id);
        }

        // A change of lines (one removed, one changed, one added) moves the total with it.
        var order = (await Orders.GetAsync(ids[3]))!;
        var changed = order.Values.Lines.Skip(1).Select(l => l with { Quantity = l.Quantity + 10 })
            .Append(new OrderLine(Guid.NewGuid(), 1, "SKU-X", "Extra", 2, 99.99m)).ToList();
        Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(order.Id, order.Version, order.Values with { Lines = changed }, Bob));

        var expected = new Dictionary<int, (int, decimal)>();
        foreach (var id in ids)
        {
            var o = (await Orders.GetAsync(id))!;
            expected[id] = (o.Values.Lines.Count, o.Values.Lines.Sum(l => l.Quantity * l.UnitPrice));
        }

        var byTotal = (await Orders.ListAsync(new OrderQuery(SortBy: nameof(OrderSummary.Total), Descending: true))).Items;
        Assert.All(byTotal, s => Assert.Equal(expected[s.Id], (s.LineCount, s.Total)));
        Assert.Equal(expected.OrderByDescending(e => e.Value.Item2).ThenByDescending(e => e.Key).Select(e => e.Key), byTotal.Select(s => s.Id));
        var byLines = (await Orders.ListAsync(new OrderQuery(SortBy: nameof(OrderSummary.LineCount)))).Items;
        Assert.Equal(expected.OrderBy(e => e.Value.Item1).ThenBy(e => e.Key).Select(e => e.Key), byLines.Select(s => s.Id));
    }

    [Fact]
    public async Task TheLargestOrderTheRulesAllow_HasItsExactTotal()
    {
        // 2,000 lines of 1,000,000 at 1,000,000,000.00: 2e18, past numeric(18,2).
        var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Big", OrderStatus.Draft, ""), Alice)).Current;
        var lines = Enumerable.Range(0, OrderRules.LinesMax)
            .Select(n => new OrderLine(Guid.NewGuid(), 1, $"SKU-{n}", "Item", OrderRules.QuantityMax, OrderRules.UnitPriceMax)).ToList();
        Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(created.Id, created.Version, created.Values with { Lines = lines }, Alice));
        var summary = Assert.Single((await Orders.ListAsync(new OrderQuery(Search: "Big"))).Items);
        Assert.Equal((OrderRules.LinesMax, (decimal)OrderRules.LinesMax * OrderRules.QuantityMax * OrderRules.UnitPriceMax), (summary.LineCount, summary.Total));
    }

    [Fact]
    public async Task TheMigration_GivesExistingOrders_TheirLineCountAndTotal_WithoutANewVersion()
    {
        // A database at the migration before, with an order and lines, then migrated on.
        var connectionString = await CollabEditor.Tests.TestPostgres.CreateEmptyDatabaseAsync("totals");
        await using var services = new ServiceCollection().AddLogging()
            .AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build())
            .AddCollabData(connectionString).BuildServiceProvider();
        await using (var db = await services.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContextAsync())
        {
            var migrator = db.GetService<IMigrator>();
            var all = db.Database.GetMigrations().ToList();
            await migrator.MigrateAsync(all[all.FindIndex(m => m.EndsWith("_OrderTotals", StringComparison.Ordinal)) - 1]);
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO orders (customer_name, status, notes, version, last_changed_by, last_changed_at) VALUES ('Acme', 'Draft', '', 3, 'Alice', now());
                INSERT INTO order_lines (id, order_id, position, product_id, sku, product_name, quantity, unit_price)
                SELECT gen_random_uuid(), id, n, 1, 'S', 'P', n, 1.50 FROM orders, generate_series(1, 4) n;
                """);
            await migrator.MigrateAsync();
        }

        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT line_count, total, version, (SELECT count(*) FROM record_history WHERE resource_key LIKE 'order/%') FROM orders", check);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((4, 15.00m, 3), (reader.GetInt32(0), reader.GetDecimal(1), reader.GetInt32(2)));
        Assert.Equal(1L, reader.GetInt64(3));
    }
}
