using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Optimistic product saves per second through <see cref="Data.Records.VersionedStore{TRow, TValues, TSnapshot}.UpdateAsync"/>, next to the
/// same UPDATE (lease CTE, version and changed-values predicates, <c>RETURNING *</c>) issued with plain Npgsql on the same
/// data source, at 1 and 8 writers, each on its own product; every save presents the version the
/// previous save of that product returned (whichever variant made it). Data layer only, on a
/// throwaway local cluster; the change-notification and history triggers fire for both variants.
/// </summary>
internal static class ProductSaves
{
    /// <summary>The statement of <see cref="Data.Records.VersionedStore{TRow, TValues, TSnapshot}.UpdateAsync"/>, with positional parameters (the new values referenced twice; the store sends them twice).</summary>
    internal const string UpdateSql = """
        WITH lease AS (
            SELECT token FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        UPDATE products
           SET sku = $2, name = $3, description = $4, price = $5,
               stock = $6, requires_checkout = $7,
               version = version + 1,
               last_changed_by_id = $8, last_changed_by = $9, last_changed_at = now(),
               last_save_id = $10
         WHERE id = $11 AND version = $12
           -- Saving what is already there writes nothing and makes no new version.
           AND (sku, name, description, price, stock, requires_checkout)
               IS DISTINCT FROM ($2, $3, $4, $5, $6, $7)
           AND CASE WHEN $13 THEN EXISTS (SELECT 1 FROM lease WHERE token = $14)
                    WHEN EXISTS (SELECT 1 FROM lease) THEN false
                    ELSE NOT requires_checkout END
        RETURNING *
        """;

    public static async Task RunAsync(TimeSpan duration, int rounds)
    {
        var (cluster, provider) = await SaveComparison.StartDataLayerAsync();
        await using var _ = cluster;
        await using var __ = provider;
        var store = provider.GetRequiredService<ProductStore>();
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        var actor = new Actor("bench-user", "Bench");
        int[] levels = [1, 8];

        // Each writer's product as its last save left it: the next save presents this version.
        var products = new ProductSnapshot[levels.Max()];
        for (var i = 0; i < products.Length; i++)
        {
            var created = await store.CreateAsync(new ProductValues($"BENCH-{i:000}", $"Bench product {i}", "A product that is saved over and over.", 10m + i, 0, false), actor);
            products[i] = ((SaveResult.Saved)created).Current;
        }

        async Task EngineAsync(int i)
        {
            var p = products[i];
            var result = await store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = (p.Values.Stock + 1) % 1000 }, actor);
            products[i] = result is SaveResult.Saved saved && saved.Current.Version == p.Version + 1
                ? saved.Current
                : throw new InvalidOperationException($"engine: save of product {p.Id} at version {p.Version} gave {result}");
        }

        async Task RawAsync(int i)
        {
            var p = products[i];
            var v = p.Values with { Stock = (p.Values.Stock + 1) % 1000 };
            var token = Guid.Empty;
            await using var cmd = db.CreateCommand(UpdateSql);
            cmd.Parameters.Add(new() { Value = ResourceKey.ForProduct(p.Id) });
            cmd.Parameters.Add(new() { Value = v.Sku });
            cmd.Parameters.Add(new() { Value = v.Name });
            cmd.Parameters.Add(new() { Value = v.Description });
            cmd.Parameters.Add(new() { Value = v.Price });
            cmd.Parameters.Add(new() { Value = v.Stock });
            cmd.Parameters.Add(new() { Value = v.RequiresCheckout });
            cmd.Parameters.Add(new() { Value = actor.UserId });
            cmd.Parameters.Add(new() { Value = actor.DisplayName });
            cmd.Parameters.Add(new() { Value = Guid.NewGuid() });
            cmd.Parameters.Add(new() { Value = p.Id });
            cmd.Parameters.Add(new() { Value = p.Version });
            cmd.Parameters.Add(new() { Value = token != Guid.Empty });
            cmd.Parameters.Add(new() { Value = token });
            await using var reader = await cmd.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"raw: save of product {p.Id} at version {p.Version} wrote nothing");
            }

            // A few columns of RETURNING *: what the caller needs to save again.
            var version = reader.GetInt32(reader.GetOrdinal("version"));
            var changedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("last_changed_at"));
            products[i] = version == p.Version + 1
                ? p with { Values = v, Version = version, LastChangedBy = actor.DisplayName, LastChangedAt = changedAt }
                : throw new InvalidOperationException($"raw: save of product {p.Id} at version {p.Version} returned version {version}");
        }

        SaveVariant[] variants = [new("raw Npgsql", RawAsync), new("ProductStore", EngineAsync)];
        Console.WriteLine($"product-saves: optimistic product saves/s (version-checked, lease-fenced UPDATE), {duration.TotalSeconds:F0} s per measurement, median of {rounds}, {Environment.ProcessorCount} cores shared with the server");
        var (rates, saves) = await SaveComparison.RunAsync(variants, levels, duration, rounds);
        var worst = SaveComparison.Print(variants, levels, rates);
        await StatementLog.PrintPerSaveAsync(cluster, variants);

        // Every save was checked to bump the version by one; the database must agree with the last one.
        var stale = 0;
        foreach (var p in products)
        {
            if ((await store.GetAsync(p.Id))?.Version != p.Version)
            {
                stale++;
            }
        }

        Console.WriteLine($"  {saves} measured saves, each at the version the previous save returned and each bumping it by one; products whose final version differs from the database: {stale}");
        Console.WriteLine($"  target ratio >= 0.70: {(worst >= 0.7 ? "met" : "NOT met")}");
    }
}
