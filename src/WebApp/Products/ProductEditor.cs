using CollabEditor.Core.Editing;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.History;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Editing;
using MudBlazor;

namespace CollabEditor.WebApp.Products;

/// <summary>Products in the editor shell: fields merged one by one, re-created after a delete, check-out when the product requires it.</summary>
public sealed class ProductEditor(ProductStore store, HistoryStore history) : EditorKind<ProductValues>
{
    public static FieldShape<ProductValues> FieldsShape { get; } = new(ProductValues.Fields);

    private int _id;

    public override RecordShape<ProductValues> Shape => FieldsShape;

    public override string Noun => "product";

    public override string ListHref => "/products";

    public override ProductValues Empty { get; } = new(string.Empty, string.Empty, string.Empty, 0m, 0, false);

    public override string KeyFor(int id) => Core.Changes.ResourceKey.ForProduct(id);

    public override string Heading(ProductValues? shown) => shown?.Name ?? "New product";

    public override string DocumentTitle(ProductValues? shown) => shown is null ? "New product" : $"{shown.Sku} · Products";

    public override bool RequiresCheckout(ProductValues values) => values.RequiresCheckout;

    public override async Task<Versioned<ProductValues>?> LoadAsync(int id)
    {
        _id = id;
        return Versioned(await store.GetAsync(id));
    }

    public override async Task<SaveOutcome<ProductValues>> CreateAsync(ProductValues values, Actor actor) => Outcome(await store.CreateAsync(values, actor));

    public override async Task<SaveOutcome<ProductValues>> SaveAsync(int id, int expectedVersion, ProductValues values, Actor actor, Guid? leaseToken) =>
        Outcome(await store.UpdateAsync(id, expectedVersion, values, actor, leaseToken));

    public override async Task<Versioned<ProductValues>?> VersionAsync(int id, int version) =>
        await history.ProductVersionEntryAsync(id, version) is { } e ? new(e.Values, e.Version, e.ChangedBy, e.At) : null;

    public override IReadOnlyList<FieldError> Validate(ProductValues? saved, ProductValues values) => ProductRules.Validate(values);

    public override EditMerge<ProductValues> Merge(ProductValues started, ProductValues mine, Versioned<ProductValues>? theirs, int baseVersion, ProductValues shown)
    {
        var merge = ThreeWayMerge.Merge(started, mine, theirs?.Values, ProductValues.Fields);
        var snapshot = theirs is null ? null : new ProductSnapshot(_id, theirs.Values, theirs.Version, theirs.ChangedBy, theirs.At);
        return new(merge.Merged, merge.HasConflicts, [.. merge.Fields.Where(f => f.Outcome == FieldOutcome.TheirsOnly).Select(f => f.Label)],
            async dialogs => await ConflictDialog.ShowAsync(dialogs, merge, snapshot, baseVersion, shown) switch
            {
                ConflictDecision.SaveMerged m => new MergeDecision<ProductValues>.SaveMerged(m.Values),
                ConflictDecision.Recreate r => new MergeDecision<ProductValues>.Recreate(r.Values),
                ConflictDecision.DiscardMine => new MergeDecision<ProductValues>.DiscardMine(),
                _ => new MergeDecision<ProductValues>.KeepEditing(),
            });
    }

    private static Versioned<ProductValues>? Versioned(ProductSnapshot? s) => s is null ? null : new(s.Values, s.Version, s.LastChangedBy, s.LastChangedAt);

    private SaveOutcome<ProductValues> Outcome(SaveResult result) => result switch
    {
        SaveResult.Saved s => new SaveOutcome<ProductValues>.Saved(_id = s.Current.Id, Versioned(s.Current)!),
        SaveResult.Conflict c => new SaveOutcome<ProductValues>.Conflict(Versioned(c.Theirs)!),
        SaveResult.Deleted => new SaveOutcome<ProductValues>.Deleted(),
        SaveResult.Invalid i => new SaveOutcome<ProductValues>.Invalid(i.Errors),
        SaveResult.Locked l => new SaveOutcome<ProductValues>.Refused(l.Message),
        // A page presents only its own check-out's token; said rather than swallowed all the same.
        SaveResult.NotHolder n => new SaveOutcome<ProductValues>.Refused(n.Holder.BelongsToMessage),
        SaveResult.LeaseLost => new SaveOutcome<ProductValues>.Refused(SaveResult.LeaseLost.Message),
        SaveResult.CheckoutRequired => new SaveOutcome<ProductValues>.Refused(SaveResult.CheckoutRequired.Message),
        _ => throw new InvalidOperationException($"Unknown save result {result}."),
    };
}
