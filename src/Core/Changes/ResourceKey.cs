using System.Globalization;

namespace CollabEditor.Core.Changes;

/// <summary>Resource keys (<c>product/{id}</c>) and collection names (<c>products</c>).</summary>
public static class ResourceKey
{
    public const string Product = "product";
    public const string Order = "order";
    public const string Customer = "customer";

    /// <summary>The kinds of resource that exist, each with its collection name.</summary>
    public static IReadOnlyDictionary<string, string> Collections { get; } = new Dictionary<string, string>
    {
        [Product] = "products",
        [Order] = "orders",
        [Customer] = "customers",
    };

    /// <summary>The key of a user's account events (not a resource anyone can follow).</summary>
    public static string ForUser(string userId) => "user/" + userId;

    public static string ForProduct(int id) => string.Create(CultureInfo.InvariantCulture, $"{Product}/{id}");

    public static string ForOrder(int id) => string.Create(CultureInfo.InvariantCulture, $"{Order}/{id}");

    public static string ForCustomer(int id) => For(Customer, id);

    /// <summary>The key of record <paramref name="id"/> of <paramref name="kind"/>.</summary>
    public static string For(string kind, int id) => string.Create(CultureInfo.InvariantCulture, $"{kind}/{id}");

    public static string CollectionOf(string kind) => Collections[kind];

    /// <summary>Parses <c>kind/positive-id</c> for a known kind.</summary>
    public static bool TryParse(string? key, out string kind, out int id)
    {
        kind = string.Empty;
        id = 0;
        var slash = key?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (key is null || slash <= 0)
        {
            return false;
        }

        kind = key[..slash];
        return Collections.ContainsKey(kind)
            && int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out id)
            && id > 0;
    }

    /// <summary>True for a known collection name.</summary>
    public static bool IsCollection(string? name) => name is not null && Collections.Values.Contains(name);
}
