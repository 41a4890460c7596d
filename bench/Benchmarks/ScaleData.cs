using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Load-test data at scale, written with PostgreSQL COPY (binary) into a migrated database:
/// products, orders with 1–20 lines each, and a long history of one product. The seeding session
/// runs with <c>session_replication_role = replica</c> (superuser only, as the throwaway clusters
/// run), so the history and change-announcement triggers do not fire for bulk rows; the identity
/// columns and the order number sequence are advanced afterwards so the app's own inserts work.
/// </summary>
internal static class ScaleData
{
    private static readonly string[] Materials = ["Oak", "Walnut", "Steel", "Brass", "Linen", "Wool", "Maple", "Ash", "Copper", "Slate", "Cedar", "Glass"];
    private static readonly string[] Kinds = ["Desk", "Chair", "Lamp", "Shelf", "Table", "Stool", "Cabinet", "Mirror", "Rug", "Bench", "Frame", "Hook"];
    private static readonly string[] Sizes = ["Small", "Medium", "Large", "Tall", "Wide", "Compact", "Classic", "Studio"];
    private static readonly string[] FirstNames = ["Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Mara", "Noah", "Olga", "Pavel"];
    private static readonly string[] LastNames = ["Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanov", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quinn"];
    private static readonly string[] Companies = ["GmbH", "Ltd", "& Sons", "Studio", "Interiors", "Hotels", "Offices", "Co-op"];
    private static readonly string[] Statuses = ["Draft", "Submitted", "Fulfilled", "Cancelled"];

    /// <summary>The SKU the seeder gives to bulk product <paramref name="n"/> (1-based), so benchmarks can look one up exactly.</summary>
    public static string Sku(long n) => $"{Materials[n % Materials.Length].ToUpperInvariant()[..3]}-{Kinds[(n / 7) % Kinds.Length].ToUpperInvariant()[..3]}-{n:0000000}";

    /// <summary>The id of the product whose history is deep, after a seed (the first bulk product).</summary>
    public static async Task<int> DeepHistoryProductAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("SELECT id FROM products WHERE sku = $1");
        cmd.Parameters.Add(new() { Value = Sku(1) });
        return (int)(await cmd.ExecuteScalarAsync() ?? throw new InvalidOperationException("no seeded products"));
    }

    /// <summary>Seeds and prints what it wrote and how long each part took.</summary>
    public static async Task SeedAsync(string connectionString, int products, int orders, int historyVersions)
    {
        var total = Stopwatch.StartNew();
        // One connection, no pool reset in between: the replica role holds for the whole session.
        await using var conn = new NpgsqlConnection(connectionString + ";Pooling=false;Command Timeout=0");
        await conn.OpenAsync();
        await ExecuteAsync(conn, "SET session_replication_role = replica");
        var random = new Random(14);
        var now = TimeProvider.System.GetUtcNow();

        var clock = Stopwatch.StartNew();
        var firstProduct = await ScalarAsync(conn, "SELECT COALESCE(max(id), 0) + 1 FROM products");
        var prices = new decimal[products];
        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY products (id, sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id) FROM STDIN (FORMAT BINARY)"))
        {
            for (var n = 1; n <= products; n++)
            {
                var name = $"{Sizes[random.Next(Sizes.Length)]} {Materials[n % Materials.Length].ToLowerInvariant()} {Kinds[(n / 7) % Kinds.Length].ToLowerInvariant()} {n}";
                prices[n - 1] = Math.Round((decimal)(random.NextDouble() * random.NextDouble() * 2000) + 1, 2);
                await copy.StartRowAsync();
                await copy.WriteAsync((int)(firstProduct + n - 1), NpgsqlDbType.Integer);
                await copy.WriteAsync(Sku(n), NpgsqlDbType.Varchar);
                await copy.WriteAsync(char.ToUpperInvariant(name[0]) + name[1..], NpgsqlDbType.Varchar);
                await copy.WriteAsync($"Load-test product {n}: {Materials[random.Next(Materials.Length)]} finish.", NpgsqlDbType.Varchar);
                await copy.WriteAsync(prices[n - 1], NpgsqlDbType.Numeric);
                await copy.WriteAsync(random.Next(0, 5000), NpgsqlDbType.Integer);
                await copy.WriteAsync(n % 10 == 0, NpgsqlDbType.Boolean);
                await copy.WriteAsync(1 + random.Next(0, 3) * random.Next(0, 4), NpgsqlDbType.Integer);
                await copy.WriteAsync("seed-scale", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(now.AddSeconds(-random.Next(0, 365 * 24 * 3600)), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
            }

            await copy.CompleteAsync();
        }

        await ExecuteAsync(conn, "SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT max(id) FROM products))");
        Console.WriteLine($"  {products:N0} products in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        var firstOrder = await ScalarAsync(conn, "SELECT COALESCE(max(id), 0) + 1 FROM orders");
        var firstNumber = await ScalarAsync(conn, "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM order_number");
        var lines = 0L;
        // The lines first (1-20 per order): the order row carries their count and total, as a save writes them.
        var orderLines = new (int Product, int Quantity)[orders][];
        for (var n = 0; n < orders; n++)
        {
            orderLines[n] = [.. Enumerable.Range(0, random.Next(1, 21)).Select(_ => (random.Next(1, products + 1), random.Next(1, 50)))];
        }

        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY orders (id, number, customer_name, status, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id, line_count, total) FROM STDIN (FORMAT BINARY)"))
        {
            for (var n = 0; n < orders; n++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync((int)(firstOrder + n), NpgsqlDbType.Integer);
                await copy.WriteAsync($"SO-{firstNumber + n}", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"{LastNames[random.Next(LastNames.Length)]} {Companies[random.Next(Companies.Length)]} {random.Next(1, 5000)}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(Statuses[random.Next(Statuses.Length)], NpgsqlDbType.Varchar);
                await copy.WriteAsync(n % 3 == 0 ? "Deliver to the back door." : string.Empty, NpgsqlDbType.Varchar);
                await copy.WriteAsync(1 + random.Next(0, 5), NpgsqlDbType.Integer);
                await copy.WriteAsync("seed-scale", NpgsqlDbType.Varchar);
                await copy.WriteAsync($"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(now.AddSeconds(-random.Next(0, 365 * 24 * 3600)), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                await copy.WriteAsync(orderLines[n].Length, NpgsqlDbType.Integer);
                await copy.WriteAsync(orderLines[n].Sum(l => l.Quantity * prices[l.Product - 1]), NpgsqlDbType.Numeric);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY order_lines (id, order_id, position, product_id, product_name, quantity, sku, unit_price) FROM STDIN (FORMAT BINARY)"))
        {
            for (var n = 0; n < orders; n++)
            {
                for (var position = 0; position < orderLines[n].Length; position++)
                {
                    var (product, quantity) = orderLines[n][position];
                    await copy.StartRowAsync();
                    await copy.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                    await copy.WriteAsync((int)(firstOrder + n), NpgsqlDbType.Integer);
                    await copy.WriteAsync(position, NpgsqlDbType.Integer);
                    await copy.WriteAsync((int)(firstProduct + product - 1), NpgsqlDbType.Integer);
                    await copy.WriteAsync($"Product {product}", NpgsqlDbType.Varchar);
                    await copy.WriteAsync(quantity, NpgsqlDbType.Integer);
                    await copy.WriteAsync(Sku(product), NpgsqlDbType.Varchar);
                    await copy.WriteAsync(prices[product - 1], NpgsqlDbType.Numeric);
                    lines++;
                }
            }

            await copy.CompleteAsync();
        }

        await ExecuteAsync(conn, "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))");
        await ExecuteAsync(conn, $"SELECT setval('order_number', {firstNumber + orders - 1})");
        Console.WriteLine($"  {orders:N0} orders with {lines:N0} lines in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        if (historyVersions > 0)
        {
            await SeedHistoryAsync(conn, (int)firstProduct, historyVersions);
        }

        await ExecuteAsync(conn, "SET session_replication_role = DEFAULT");
        // As after any bulk load: VACUUM merges the trigram indexes' pending lists (GIN fastupdate: COPY leaves
        // every new entry there, and a search reads them one by one) and sets the visibility map.
        foreach (var table in new[] { "products", "orders", "order_lines", "record_history" })
        {
            // One statement each (VACUUM cannot run in a batch's implicit transaction), with no timeout.
            await using var vacuum = new NpgsqlCommand($"VACUUM (ANALYZE) {table}", conn) { CommandTimeout = 0 };
            await vacuum.ExecuteNonQueryAsync();
        }
        Console.WriteLine($"  {historyVersions:N0} versions of product {firstProduct} ({Sku(1)}) in its history, then VACUUM (ANALYZE), in {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"seed-scale: done in {total.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task SeedHistoryAsync(NpgsqlConnection conn, int product, int historyVersions)
    {
        // The deep history: versions 1..N of the first bulk product, as the history trigger would have written them.
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO record_history (resource_key, version, data, changed_by, changed_at, deleted)
            SELECT 'product/' || p.id, v, to_jsonb(p) || jsonb_build_object('version', v, 'stock', v),
                   p.last_changed_by, now() - make_interval(secs => $2 - v), false
              FROM products p, generate_series(1, $2) v
             WHERE p.id = $1
            """, conn))
        {
            cmd.Parameters.Add(new() { Value = product });
            cmd.Parameters.Add(new() { Value = historyVersions });
            await cmd.ExecuteNonQueryAsync();
        }

        await ExecuteAsync(conn, $"UPDATE products SET version = {historyVersions}, stock = {historyVersions} WHERE id = {product}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
