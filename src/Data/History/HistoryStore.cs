using System.Text.Json;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.History;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.History;

/// <summary>
/// The history of products and orders: every committed version (kept by triggers, see the History
/// migration) with its diff against the one before, interleaved with the record's lease events;
/// and restoring an old version as a new, version-checked save.
/// </summary>
public sealed class HistoryStore(IDbContextFactory<CollabDbContext> dbFactory, ProductStore products, OrderStore orders, CustomerStore customers)
{
    /// <summary>How many timeline entries a history shows unless asked for more.</summary>
    public const int DefaultTake = 200;

    /// <summary>The most entries one read returns.</summary>
    public const int MaxTake = 1000;

    /// <summary>A product's timeline, newest first: versions (with field diffs) and lease events.</summary>
    public async Task<IReadOnlyList<HistoryItem>> ProductHistoryAsync(int id, int take = DefaultTake, CancellationToken ct = default) =>
        (await ProductHistoryPageAsync(id, take, null, ct)).Items;

    /// <summary>An order's timeline, newest first: versions (with header and line diffs) and lease events.</summary>
    public async Task<IReadOnlyList<HistoryItem>> OrderHistoryAsync(int id, int take = DefaultTake, CancellationToken ct = default) =>
        (await OrderHistoryPageAsync(id, take, null, ct)).Items;

    /// <summary>One page of a product's timeline: the <paramref name="take"/> entries after <paramref name="after"/> (from the newest when null).</summary>
    public Task<HistoryPage> ProductHistoryPageAsync(int id, int take = DefaultTake, HistoryCursor? after = null, CancellationToken ct = default) =>
        TimelineAsync(ResourceKey.ForProduct(id), take, after, ParseProduct, (previous, values) => HistoryDiff.Product(previous?.Version, previous?.Values, values), ct);

    /// <summary>One page of an order's timeline: the <paramref name="take"/> entries after <paramref name="after"/> (from the newest when null).</summary>
    public Task<HistoryPage> OrderHistoryPageAsync(int id, int take = DefaultTake, HistoryCursor? after = null, CancellationToken ct = default) =>
        TimelineAsync(ResourceKey.ForOrder(id), take, after, ParseOrder, (previous, values) => HistoryDiff.Order(previous?.Version, previous?.Values, values), ct);

    /// <summary>One page of a customer's timeline: the <paramref name="take"/> entries after <paramref name="after"/> (from the newest when null).</summary>
    public Task<HistoryPage> CustomerHistoryPageAsync(int id, int take = DefaultTake, HistoryCursor? after = null, CancellationToken ct = default) =>
        TimelineAsync(ResourceKey.ForCustomer(id), take, after, ParseCustomer, (previous, values) => HistoryDiff.Record(previous?.Version, previous?.Values, values, CustomerValues.Fields), ct);

    /// <summary>One page of the timeline of a resource key (<c>product/{id}</c>, <c>order/{id}</c> or <c>customer/{id}</c>).</summary>
    public Task<HistoryPage> HistoryPageAsync(string key, int take, HistoryCursor? after = null, CancellationToken ct = default) =>
        ResourceKey.TryParse(key, out var kind, out var id) switch
        {
            true when kind == ResourceKey.Product => ProductHistoryPageAsync(id, take, after, ct),
            true when kind == ResourceKey.Order => OrderHistoryPageAsync(id, take, after, ct),
            true when kind == ResourceKey.Customer => CustomerHistoryPageAsync(id, take, after, ct),
            _ => throw new ArgumentException($"'{key}' is not a resource key with a history.", nameof(key)),
        };

    /// <summary>The timeline of a resource key (<c>product/{id}</c>, <c>order/{id}</c> or <c>customer/{id}</c>).</summary>
    public async Task<IReadOnlyList<HistoryItem>> HistoryAsync(string key, int take = DefaultTake, CancellationToken ct = default) =>
        (await HistoryPageAsync(key, take, null, ct)).Items;

    /// <summary>The values a product had at <paramref name="version"/>, or null when that version is not in its history.</summary>
    public async Task<ProductValues?> ProductVersionAsync(int id, int version, CancellationToken ct = default) =>
        await DataAtAsync(ResourceKey.ForProduct(id), version, ct) is { } data ? ParseProduct(data) : null;

    /// <summary>The values (header and lines) an order had at <paramref name="version"/>, or null.</summary>
    public async Task<OrderValues?> OrderVersionAsync(int id, int version, CancellationToken ct = default) =>
        await DataAtAsync(ResourceKey.ForOrder(id), version, ct) is { } data ? ParseOrder(data) : null;

    /// <summary>A product's <paramref name="version"/> as it was committed (values, who, when), however deep in its history; null when it is not there.</summary>
    public async Task<VersionEntry<ProductValues>?> ProductVersionEntryAsync(int id, int version, CancellationToken ct = default) =>
        await EntryAtAsync(ResourceKey.ForProduct(id), version, ct) is { } e ? new(e.Id, e.ChangedAt, e.Version, e.ChangedBy, false, ParseProduct(e.Data)) : null;

    /// <summary>An order's <paramref name="version"/> as it was committed (header, lines, who, when); null when it is not there.</summary>
    public async Task<VersionEntry<OrderValues>?> OrderVersionEntryAsync(int id, int version, CancellationToken ct = default) =>
        await EntryAtAsync(ResourceKey.ForOrder(id), version, ct) is { } e ? new(e.Id, e.ChangedAt, e.Version, e.ChangedBy, false, ParseOrder(e.Data)) : null;

    /// <summary>A customer's <paramref name="version"/> as it was committed (values, who, when); null when it is not there.</summary>
    public async Task<VersionEntry<CustomerValues>?> CustomerVersionEntryAsync(int id, int version, CancellationToken ct = default) =>
        await EntryAtAsync(ResourceKey.ForCustomer(id), version, ct) is { } e ? new(e.Id, e.ChangedAt, e.Version, e.ChangedBy, false, ParseCustomer(e.Data)) : null;

    /// <summary>Who deleted the record last, or null when its history holds no deletion.</summary>
    public async Task<string?> DeletedByAsync(string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RecordHistory.AsNoTracking().Where(h => h.ResourceKey == key && h.Deleted)
            .OrderByDescending(h => h.Id).Select(h => h.ChangedBy).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Writes the values of <paramref name="version"/> as a new version — an ordinary save: checked
    /// against <paramref name="expectedCurrentVersion"/> (Conflict when stale) and fenced by the lease.
    /// </summary>
    public async Task<SaveResult> RestoreProductAsync(int id, int version, int expectedCurrentVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await ProductVersionAsync(id, version, ct) is { } values
            ? await products.UpdateAsync(id, expectedCurrentVersion, values, actor, leaseToken, ct)
            : new SaveResult.Invalid([NoSuchVersion("product", version)]);
    }

    /// <summary>Writes the values of a customer's <paramref name="version"/> as a new version (an ordinary, version-checked, fenced save).</summary>
    public async Task<SaveResult<CustomerSnapshot>> RestoreCustomerAsync(int id, int version, int expectedCurrentVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await DataAtAsync(ResourceKey.ForCustomer(id), version, ct) is { } data
            ? await customers.UpdateAsync(id, expectedCurrentVersion, ParseCustomer(data), actor, leaseToken, ct)
            : new SaveResult<CustomerSnapshot>.Invalid([NoSuchVersion("customer", version)]);
    }

    /// <summary>Writes header and lines of <paramref name="version"/> as a new version of the order (an ordinary aggregate save).</summary>
    public async Task<OrderSaveResult> RestoreOrderAsync(int id, int version, int expectedCurrentVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await OrderVersionAsync(id, version, ct) is { } values
            ? await orders.SaveAsync(id, expectedCurrentVersion, values, actor, leaseToken, ct)
            : new OrderSaveResult.Invalid([NoSuchVersion("order", version)]);
    }

    /// <summary>Parses a product row as the trigger stored it (<c>to_jsonb</c>: snake_case columns).</summary>
    public static ProductValues ParseProduct(string data)
    {
        using var doc = JsonDocument.Parse(data);
        var r = doc.RootElement;
        return new ProductValues(
            r.GetProperty("sku").GetString()!, r.GetProperty("name").GetString()!, r.GetProperty("description").GetString()!,
            r.GetProperty("price").GetDecimal(), r.GetProperty("stock").GetInt32(), r.GetProperty("requires_checkout").GetBoolean());
    }

    /// <summary>Parses a customer row as the trigger stored it (<c>to_jsonb</c>: snake_case columns).</summary>
    public static CustomerValues ParseCustomer(string data)
    {
        using var doc = JsonDocument.Parse(data);
        var r = doc.RootElement;
        return new CustomerValues(r.GetProperty("name").GetString()!, r.GetProperty("email").GetString()!, r.GetProperty("phone").GetString()!,
            r.GetProperty("address").GetString()!, r.GetProperty("notes").GetString()!);
    }

    /// <summary>Parses an order row with its <c>lines</c> (in position order) as the trigger stored it.</summary>
    public static OrderValues ParseOrder(string data)
    {
        using var doc = JsonDocument.Parse(data);
        var r = doc.RootElement;
        var header = new OrderHeader(
            r.GetProperty("customer_name").GetString()!, Enum.Parse<OrderStatus>(r.GetProperty("status").GetString()!), r.GetProperty("notes").GetString()!,
            r.TryGetProperty("customer_id", out var customer) && customer.ValueKind == JsonValueKind.Number ? customer.GetInt32() : null);
        var lines = r.TryGetProperty("lines", out var array)
            ? array.EnumerateArray().Select(l => new OrderLine(
                l.GetProperty("id").GetGuid(), l.GetProperty("product_id").GetInt32(), l.GetProperty("sku").GetString()!,
                l.GetProperty("product_name").GetString()!, l.GetProperty("quantity").GetInt32(), l.GetProperty("unit_price").GetDecimal())).ToList()
            : [];
        return new OrderValues(header, lines);
    }

    private async Task<HistoryPage> TimelineAsync<TValues>(
        string key, int take, HistoryCursor? after, Func<string, TValues> parse, Func<VersionEntry<TValues>?, TValues, VersionDiff> diff, CancellationToken ct)
    {
        take = Math.Clamp(take, 1, MaxTake);
        var beforeId = after?.BeforeVersionId ?? long.MaxValue;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One more than shown, so the oldest shown version still has something to be compared with.
        var rows = await db.RecordHistory.AsNoTracking()
            .Where(h => h.ResourceKey == key && h.Id < beforeId)
            .OrderByDescending(h => h.Id)
            .Take(take + 1)
            .ToListAsync(ct);
        var versions = rows
            .AsEnumerable()
            .Reverse()
            .Select(h => new VersionEntry<TValues>(h.Id, h.ChangedAt, h.Version, h.ChangedBy, h.Deleted, parse(h.Data)))
            .ToList();
        VersionEntry<TValues>? before = null;
        if (versions.Count > take)
        {
            before = versions[0];
            versions.RemoveAt(0);
        }

        var shown = LeaseEvent.Shown;
        var leaseAudit = db.LeaseAudit.AsNoTracking().Where(a => a.ResourceKey == key && shown.Contains(a.Action));
        if (after?.AfterLease is { } p)
        {
            // Strictly after the last one shown, in the order below.
            leaseAudit = leaseAudit.Where(a => a.At < p.At
                || (a.At == p.At && ((p.NotExpiry && a.Action == "expired") || ((a.Action != "expired") == p.NotExpiry && a.Id < p.Id))));
        }

        // A takeover writes "expired" (the old holder) and "granted" (the new one) in one statement,
        // at one time: the expiry comes first. One more than a page, to know whether more follow.
        var leaseEvents = await leaseAudit
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Action != "expired").ThenByDescending(a => a.Id)
            .Take(take + 1)
            .Select(a => new LeaseEvent(a.Id, a.At, a.Action, a.UserName, a.HolderName, a.Fencing, a.Reason))
            .ToListAsync(ct);

        // Each stream was read from where the last page left it, so this merge continues the unpaged one.
        var merged = HistoryTimeline.Build(versions, diff, leaseEvents, before);
        var items = merged.Take(take).ToList();
        if (merged.Count <= take && before is null)
        {
            return new HistoryPage(items, null);
        }

        var oldestVersion = items.OfType<VersionEntry>().LastOrDefault();
        var lastLease = items.OfType<LeaseEvent>().LastOrDefault();
        var next = new HistoryCursor(
            oldestVersion?.Id ?? beforeId,
            lastLease is null ? after?.AfterLease : HistoryCursor.LeasePosition.Of(lastLease));
        return new HistoryPage(items, next);
    }

    // A write from outside the app may repeat a version number; the latest entry for it is what was committed last.
    private async Task<HistoryEntry?> EntryAtAsync(string key, int version, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RecordHistory.AsNoTracking()
            .Where(h => h.ResourceKey == key && h.Version == version && !h.Deleted)
            .OrderByDescending(h => h.Id)
            .FirstOrDefaultAsync(ct);
    }

    private async Task<string?> DataAtAsync(string key, int version, CancellationToken ct) =>
        (await EntryAtAsync(key, version, ct))?.Data;

    private static FieldError NoSuchVersion(string kind, int version) =>
        new("Version", $"Version {version} is not in this {kind}'s history: nothing was restored.");
}
