using CollabEditor.Core.Changes;
using CollabEditor.Core.Editing;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.History;
using CollabEditor.Data.Orders;
using CollabEditor.WebApp.Editing;

namespace CollabEditor.WebApp.Orders;

/// <summary>Orders in the editor shell: header and lines saved and merged as one aggregate; never re-created; read-only once fulfilled or cancelled.</summary>
public sealed class OrderEditor(OrderStore store, HistoryStore history) : EditorKind<OrderValues>
{
    private OrderSnapshot? _loaded;

    /// <summary>The order's number, once loaded.</summary>
    public string? Number => _loaded?.Number;

    public override RecordShape<OrderValues> Shape => OrderShape.Instance;

    public override string Noun => "order";

    public override string ListHref => "/orders";

    public override OrderValues Empty { get; } = new(new OrderHeader(string.Empty, OrderStatus.Draft, string.Empty), []);

    public override string MissingMessage => "This order does not exist.";

    public override bool CanRecreate => false;

    public override string CreateTestId => "create-order";

    public override string KeyFor(int id) => ResourceKey.ForOrder(id);

    public override string Heading(OrderValues? shown) => shown is null ? "New order" : Number ?? "Order";

    public override string DocumentTitle(OrderValues? shown) => (shown is null ? "New order" : Number ?? "Order") + " · Orders";

    public override bool IsReadOnly(OrderValues values) => OrderRules.IsReadOnly(values.Header.Status);

    public override async Task<Versioned<OrderValues>?> LoadAsync(int id)
    {
        _loaded = await store.GetAsync(id);
        return Versioned(_loaded);
    }

    public override async Task<SaveOutcome<OrderValues>> CreateAsync(OrderValues values, Actor actor) => Outcome(await store.CreateAsync(values.Header, actor));

    public override async Task<SaveOutcome<OrderValues>> SaveAsync(int id, int expectedVersion, OrderValues values, Actor actor, Guid? leaseToken) =>
        Outcome(await store.SaveAsync(id, expectedVersion, values, actor, leaseToken));

    public override async Task<Versioned<OrderValues>?> VersionAsync(int id, int version) =>
        await history.OrderVersionEntryAsync(id, version) is { } e ? new(e.Values, e.Version, e.ChangedBy, e.At) : null;

    public override IReadOnlyList<FieldError> Validate(OrderValues? saved, OrderValues values) =>
        saved is null ? OrderRules.Validate(values) : OrderRules.ValidateChange(saved, values);

    public override EditMerge<OrderValues> Merge(OrderValues started, OrderValues mine, Versioned<OrderValues>? theirs, int baseVersion, OrderValues shown, string since)
    {
        var merge = OrderMerge.Merge(started, mine, theirs?.Values);
        var snapshot = theirs is null ? null : new OrderSnapshot(_loaded!.Id, _loaded.Number, theirs.Values, theirs.Version, theirs.ChangedBy, theirs.At);
        return new(merge.Merged, merge.HasConflicts, merge.TheirChanges(),
            async dialogs => snapshot is null ? new MergeDecision<OrderValues>.KeepEditing() : await OrderConflictDialog.ShowAsync(dialogs, merge, snapshot, mine.Header, baseVersion, since) switch
            {
                OrderConflictDecision.SaveMerged m => new MergeDecision<OrderValues>.SaveMerged(m.Values),
                OrderConflictDecision.DiscardMine => new MergeDecision<OrderValues>.DiscardMine(),
                _ => new MergeDecision<OrderValues>.KeepEditing(),
            });
    }

    private static Versioned<OrderValues>? Versioned(OrderSnapshot? s) => s is null ? null : new(s.Values, s.Version, s.LastChangedBy, s.LastChangedAt);

    private SaveOutcome<OrderValues> Outcome(OrderSaveResult result)
    {
        if (result is OrderSaveResult.Saved saved)
        {
            _loaded = saved.Current;
        }

        return result switch
        {
            OrderSaveResult.Saved s => new SaveOutcome<OrderValues>.Saved(s.Current.Id, Versioned(s.Current)!),
            OrderSaveResult.Conflict c => new SaveOutcome<OrderValues>.Conflict(Versioned(c.Theirs)!),
            OrderSaveResult.Deleted => new SaveOutcome<OrderValues>.Deleted(),
            OrderSaveResult.Invalid i => new SaveOutcome<OrderValues>.Invalid(i.Errors),
            OrderSaveResult.Locked l => new SaveOutcome<OrderValues>.Refused(l.Message),
            // A page presents only its own check-out's token; said rather than swallowed all the same.
            OrderSaveResult.NotHolder n => new SaveOutcome<OrderValues>.Refused(n.Holder.BelongsToMessage),
            OrderSaveResult.LeaseLost => new SaveOutcome<OrderValues>.Refused(OrderSaveResult.LeaseLost.Message),
            _ => throw new InvalidOperationException($"Unknown save result {result}."),
        };
    }
}
