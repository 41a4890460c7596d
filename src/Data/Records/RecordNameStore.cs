using CollabEditor.Core.Changes;
using Npgsql;

namespace CollabEditor.Data.Records;

/// <summary>What a resource key names, for people: a product's SKU and name, an order's number and customer, a customer's name and email.</summary>
public sealed record RecordName(string Key, string Title, string Detail);

/// <summary>The names behind resource keys, for pages that list keys (Admin → Locks and Audit).</summary>
public sealed class RecordNameStore(NpgsqlDataSource db)
{
    private const string NamesSql = """
        SELECT 'product', id, sku, name FROM products WHERE id = ANY($1)
        UNION ALL
        SELECT 'order', id, number, customer_name FROM orders WHERE id = ANY($2)
        UNION ALL
        SELECT 'customer', id, name, email FROM customers WHERE id = ANY($3)
        """;

    /// <summary>
    /// The names of <paramref name="keys"/>, all in one statement however many there are. A key whose
    /// record no longer exists (or that is not a record key) is simply absent: the caller shows the key.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RecordName>> NamesAsync(IEnumerable<string> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var ids = ResourceKey.Collections.Keys.ToDictionary(k => k, _ => new HashSet<int>());
        foreach (var key in keys)
        {
            if (ResourceKey.TryParse(key, out var kind, out var id))
            {
                ids[kind].Add(id);
            }
        }

        var names = new Dictionary<string, RecordName>(StringComparer.Ordinal);
        if (ids.Values.All(s => s.Count == 0))
        {
            return names;
        }

        await using var cmd = SqlCommands.Command(db, NamesSql, ids[ResourceKey.Product].ToArray(), ids[ResourceKey.Order].ToArray(), ids[ResourceKey.Customer].ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt32(1);
            var key = ResourceKey.For(reader.GetString(0), id);
            names[key] = new RecordName(key, reader.GetString(2), reader.GetString(3));
        }

        return names;
    }
}
