using CollabEditor.Core.Changes;
using CollabEditor.Core.Editing;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.History;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Editing;
using CollabEditor.WebApp.Merging;

namespace CollabEditor.WebApp.Products;

/// <summary>Products in the editor shell: fields merged one by one, re-created after a delete, check-out when the product requires it.</summary>
public sealed class ProductEditor(ProductStore store, HistoryStore history) : FieldEditorKind<ProductValues>(Conflicts)
{
    /// <summary>Products to the conflict dialog.</summary>
    public static FieldRecord<ProductValues> Conflicts { get; } = new("product", ProductValues.Fields, ProductRules.Validate, new HashSet<string> { nameof(ProductValues.Description) });

    public override string ListHref => "/products";

    public override ProductValues Empty { get; } = new(string.Empty, string.Empty, string.Empty, 0m, 0, false);

    public override string KeyFor(int id) => ResourceKey.ForProduct(id);

    public override string Heading(ProductValues? shown) => shown?.Name ?? "New product";

    public override string DocumentTitle(ProductValues? shown) => shown is null ? "New product" : $"{shown.Sku} · Products";

    public override bool RequiresCheckout(ProductValues values) => values.RequiresCheckout;

    public override async Task<Versioned<ProductValues>?> LoadAsync(int id) => Versioned(await store.GetAsync(id));

    public override async Task<SaveOutcome<ProductValues>> CreateAsync(ProductValues values, Actor actor) => Outcome(await store.CreateAsync(values, actor));

    public override async Task<SaveOutcome<ProductValues>> SaveAsync(int id, int expectedVersion, ProductValues values, Actor actor, Guid? leaseToken) =>
        Outcome(await store.UpdateAsync(id, expectedVersion, values, actor, leaseToken));

    public override async Task<Versioned<ProductValues>?> VersionAsync(int id, int version) =>
        await history.ProductVersionEntryAsync(id, version) is { } e ? new(e.Values, e.Version, e.ChangedBy, e.At) : null;

    /// <summary>A committed product as the editor sees it.</summary>
    public static Versioned<ProductValues>? Versioned(ProductSnapshot? s) => s is null ? null : new(s.Values, s.Version, s.LastChangedBy, s.LastChangedAt);

    private static SaveOutcome<ProductValues> Outcome(SaveResult result) => SaveOutcomes.From(result, (ProductSnapshot s) => (s.Id, Versioned(s)!));
}
