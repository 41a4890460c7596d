using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Editing;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.History;
using CollabEditor.WebApp.Editing;
using CollabEditor.WebApp.Merging;

namespace CollabEditor.WebApp.Customers;

/// <summary>Customers in the editor shell: fields merged one by one, re-created after a delete, checked out by choice.</summary>
public sealed class CustomerEditor(CustomerStore store, HistoryStore history) : FieldEditorKind<CustomerValues>(Conflicts)
{
    /// <summary>Customers to the conflict dialog.</summary>
    public static FieldRecord<CustomerValues> Conflicts { get; } = new("customer", CustomerValues.Fields, CustomerRules.Validate,
        new HashSet<string> { nameof(CustomerValues.Address), nameof(CustomerValues.Notes) });

    public override string ListHref => "/customers";

    public override CustomerValues Empty { get; } = new(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);

    public override string KeyFor(int id) => ResourceKey.ForCustomer(id);

    public override string Heading(CustomerValues? shown) => shown?.Name ?? "New customer";

    public override string DocumentTitle(CustomerValues? shown) => (shown?.Name ?? "New customer") + " · Customers";

    public override async Task<Versioned<CustomerValues>?> LoadAsync(int id) => Versioned(await store.GetAsync(id));

    public override async Task<SaveOutcome<CustomerValues>> CreateAsync(CustomerValues values, Actor actor) => Outcome(await store.CreateAsync(values, actor));

    public override async Task<SaveOutcome<CustomerValues>> SaveAsync(int id, int expectedVersion, CustomerValues values, Actor actor, Guid? leaseToken) =>
        Outcome(await store.UpdateAsync(id, expectedVersion, values, actor, leaseToken));

    public override async Task<Versioned<CustomerValues>?> VersionAsync(int id, int version) =>
        await history.CustomerVersionEntryAsync(id, version) is { } e ? new(e.Values, e.Version, e.ChangedBy, e.At) : null;

    private static Versioned<CustomerValues>? Versioned(CustomerSnapshot? s) => s is null ? null : new(s.Values, s.Version, s.LastChangedBy, s.LastChangedAt);

    private static SaveOutcome<CustomerValues> Outcome(Core.Records.SaveResult<CustomerSnapshot> result) => SaveOutcomes.From(result, (CustomerSnapshot s) => (s.Id, Versioned(s)!));
}
