using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Resilience;
using Npgsql;

namespace CollabEditor.Data.Records;

/// <summary>A one-row record as the shared write path sees it (products, customers).</summary>
public interface IVersionedRow<out TValues, out TSnapshot>
{
    int Version { get; }

    Guid? LastSaveId { get; }

    /// <summary>True when the record may be written only under a lease (products can ask for it).</summary>
    bool RequiresCheckout { get; }

    TValues ToValues();

    TSnapshot ToSnapshot();
}

/// <summary>
/// Reads and version-checked, lease-fenced writes of a one-row record kind. Every write checks and
/// bumps the version in the same statement as the data (DESIGN.md "Optimistic saves"); a zero-row
/// result is a conflict or a deletion, never a silent retry. Each kind supplies its statements
/// (SQL stays SQL, next to its kind) with one parameter layout:
/// insert (values…, user id, user name, save id); update ($1 key, values…, user id, user name, save
/// id, id, expected version, has token, token); delete ($1 key, id, expected version, has token,
/// token, user id); current ($1 id); many ($1 ids).
/// </summary>
/// <remarks>
/// Hand-written Npgsql on the shared data source: a save is one statement (one round trip), plus a
/// read only when it wrote nothing, to say why.
/// </remarks>
public abstract class VersionedStore<TRow, TValues, TSnapshot>(NpgsqlDataSource dataSource, LeaseStore leases, string kind)
    where TRow : class, IVersionedRow<TValues, TSnapshot>
    where TValues : class
    where TSnapshot : class
{
    /// <summary>The shared pool the statements run on.</summary>
    protected NpgsqlDataSource DataSource { get; } = dataSource;

    protected abstract string InsertSql { get; }

    /// <summary>The row a create with a save id wrote, if it committed (parameters: <see cref="MineParameters"/>).</summary>
    protected abstract string MineSql { get; }

    protected abstract string CurrentSql { get; }

    protected abstract string ManySql { get; }

    protected abstract string SaveSql { get; }

    protected abstract string DeleteSql { get; }

    /// <summary>Trims the values the way they are stored.</summary>
    protected abstract TValues Normalize(TValues values);

    protected abstract IReadOnlyList<FieldError> Validate(TValues values);

    /// <summary>The values as statement parameters, in the order the statements name them.</summary>
    protected abstract object?[] ValueParameters(TValues values);

    protected abstract object?[] MineParameters(TValues values, Guid saveId);

    /// <summary>A row of the columns the statements return.</summary>
    protected abstract TRow Read(NpgsqlDataReader reader);

    /// <summary>
    /// Statements a delete runs first, in its transaction: what must change with the record, as a
    /// version of its own, before it goes (customers unlink their orders). The transaction is rolled
    /// back when the delete then finds nothing to delete, so these never stand on their own.
    /// </summary>
    private protected virtual IEnumerable<NpgsqlBatchCommand> BeforeDelete(string key, int id, int expectedVersion, Actor actor) => [];

    /// <summary>
    /// Why a delete that found its record at the expected version and no lease of its own in the way
    /// wrote nothing, when the kind has a reason of its own (customers: a linked order someone else
    /// has checked out); null when it has none.
    /// </summary>
    private protected virtual Task<string?> DeleteBlockedAsync(int id, Actor actor, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>The rule a unique violation broke, when the kind has a unique value; null when there is none.</summary>
    protected virtual FieldError? DuplicateOf(TValues values) => null;

    /// <summary>The committed record, or null when there is none.</summary>
    public Task<TSnapshot?> GetAsync(int id, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => (await ReadCurrentAsync(id, token))?.ToSnapshot(), ct).AsTask();

    /// <summary>
    /// The committed records among <paramref name="ids"/> (one statement, any order; a deleted id is
    /// simply missing): what the live lists read once per burst of changes, for every open page.
    /// </summary>
    public Task<IReadOnlyList<TSnapshot>> GetManyAsync(IReadOnlyCollection<int> ids, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetManyOnceAsync(ids, token), ct).AsTask();

    private async Task<IReadOnlyList<TSnapshot>> GetManyOnceAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var cmd = Command(ManySql, ids.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<TSnapshot>(ids.Count);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Read(reader).ToSnapshot());
        }

        return rows;
    }

    /// <summary>Inserts a record at version 1.</summary>
    public async Task<SaveResult<TSnapshot>> CreateAsync(TValues values, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Prepare(values, out var v) is { } invalid)
        {
            return invalid;
        }

        var saveId = Guid.NewGuid();
        return await Timed("create", () => TransientRetry.Pipeline.ExecuteAsync(async token => await CreateOnceAsync(v, actor, saveId, token), ct).AsTask());
    }

    private async Task<SaveResult<TSnapshot>> CreateOnceAsync(TValues v, Actor actor, Guid saveId, CancellationToken ct)
    {
        try
        {
            await using var cmd = Command(InsertSql, [.. ValueParameters(v), actor.UserId, actor.DisplayName, saveId]);
            var row = await ReadOneAsync(cmd, ct) ?? throw new InvalidOperationException("INSERT … RETURNING returned no row.");
            return new SaveResult<TSnapshot>.Saved(row.ToSnapshot());
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A retry of an insert that did commit finds its own row.
            await using var cmd = Command(MineSql, MineParameters(v, saveId));
            return await ReadOneAsync(cmd, ct) is { } mine ? new SaveResult<TSnapshot>.Saved(mine.ToSnapshot())
                : DuplicateOf(v) is { } duplicate ? new SaveResult<TSnapshot>.Invalid([duplicate])
                : throw new InvalidOperationException($"A {kind} insert broke a unique rule without a duplicate value.", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="values"/> if the record is still at <paramref name="expectedVersion"/>,
    /// bumping the version in the same UPDATE.
    /// </summary>
    /// <remarks>
    /// Fenced (DESIGN.md "Leases"): while anyone holds a live lease on the record, only a caller
    /// presenting its <paramref name="leaseToken"/> may write, and a record that requires check-out
    /// cannot be written without one. A token that no longer names a live lease is refused too: the
    /// caller believed it was fenced. The lease row is share-locked by the same statement, so a
    /// release or takeover cannot slip between the check and the write.
    /// </remarks>
    public async Task<SaveResult<TSnapshot>> UpdateAsync(int id, int expectedVersion, TValues values, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Prepare(values, out var v) is { } invalid)
        {
            return invalid;
        }

        var saveId = Guid.NewGuid();
        var result = await Timed("update", () => TransientRetry.Pipeline.ExecuteAsync(async token => await UpdateOnceAsync(id, expectedVersion, v, actor, leaseToken, saveId, token), ct).AsTask());
        if (result is SaveResult<TSnapshot>.Conflict)
        {
            CollabMetrics.Conflicts.Add(1, CollabMetrics.Kind(kind));
        }

        return result;
    }

    private async Task<SaveResult<TSnapshot>> UpdateOnceAsync(int id, int expectedVersion, TValues v, Actor actor, Guid? leaseToken, Guid saveId, CancellationToken ct)
    {
        TRow? written;
        try
        {
            await using var cmd = Command(SaveSql, [ResourceKey.For(kind, id), .. ValueParameters(v),
                actor.UserId, actor.DisplayName, saveId, id, expectedVersion, leaseToken is not null, leaseToken ?? Guid.Empty]);
            written = await ReadOneAsync(cmd, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && DuplicateOf(v) is { } duplicate)
        {
            return new SaveResult<TSnapshot>.Invalid([duplicate]);
        }

        if (written is not null)
        {
            return new SaveResult<TSnapshot>.Saved(written.ToSnapshot());
        }

        // Nothing written: say why. A stale version is a conflict whoever holds the lease.
        var current = await ReadCurrentAsync(id, ct);
        if (current is null)
        {
            return new SaveResult<TSnapshot>.Deleted();
        }

        if (current.LastSaveId == saveId)
        {
            // An earlier attempt of this very save committed; only its acknowledgement was lost.
            return new SaveResult<TSnapshot>.Saved(current.ToSnapshot());
        }

        if (current.Version != expectedVersion)
        {
            return new SaveResult<TSnapshot>.Conflict(current.ToSnapshot());
        }

        if (Equals(current.ToValues(), v))
        {
            // Nothing to change: the current version stands (a repeated submit saves once).
            return new SaveResult<TSnapshot>.Saved(current.ToSnapshot());
        }

        var live = await leases.GetLiveAsync(ResourceKey.For(kind, id), ct);
        return live switch
        {
            _ when LeaseFence.IsSomeoneElses(live, leaseToken, actor.UserId) => new SaveResult<TSnapshot>.NotHolder(LeaseHolder.From(live!)),
            { } lease => new SaveResult<TSnapshot>.Locked(LeaseHolder.From(lease)),
            // A write under a lease that has ended is refused, not quietly turned into an unfenced one.
            null when leaseToken is not null => new SaveResult<TSnapshot>.LeaseLost(),
            null when current.RequiresCheckout => new SaveResult<TSnapshot>.CheckoutRequired(),
            // The lease ended between the write and this look: the caller may simply try again.
            null => new SaveResult<TSnapshot>.Conflict(current.ToSnapshot()),
        };
    }

    /// <summary>Deletes the record if it is still at <paramref name="expectedVersion"/>, with the same lease rules as a save.</summary>
    public async Task<DeleteResult<TSnapshot>> DeleteAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var attempts = 0;
        var result = await TransientRetry.Pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                return await DeleteOnceAsync(id, expectedVersion, actor, leaseToken, token);
            },
            ct);
        // Gone after an attempt that failed in flight: that attempt is what deleted it.
        return result is DeleteResult<TSnapshot>.NotFound && attempts > 1 ? new DeleteResult<TSnapshot>.Removed() : result;
    }

    private async Task<DeleteResult<TSnapshot>> DeleteOnceAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken, CancellationToken ct)
    {
        var key = ResourceKey.For(kind, id);
        await using (var connection = await DataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            // A deleted row cannot say who deleted it; the change trigger reads this transaction-local
            // setting. Set and delete in one round trip, then the commit.
            await using var batch = new NpgsqlBatch(connection, tx)
            {
                BatchCommands = { SqlCommands.Batch("SELECT set_config('collab.actor', $1, true)", actor.DisplayName) },
            };
            foreach (var command in BeforeDelete(key, id, expectedVersion, actor))
            {
                batch.BatchCommands.Add(command);
            }

            batch.BatchCommands.Add(SqlCommands.Batch(DeleteSql, key, id, expectedVersion, leaseToken is not null, leaseToken ?? Guid.Empty, actor.UserId));
            await batch.ExecuteNonQueryAsync(ct);
            if (batch.BatchCommands[^1].RecordsAffected == 1)
            {
                await tx.CommitAsync(ct);
                return new DeleteResult<TSnapshot>.Removed();
            }

            // Nothing deleted: what ran before the delete must not stand without it.
            await tx.RollbackAsync(ct);
        }

        var current = await ReadCurrentAsync(id, ct);
        if (current is null)
        {
            return new DeleteResult<TSnapshot>.NotFound();
        }

        if (current.Version != expectedVersion)
        {
            return new DeleteResult<TSnapshot>.Conflict(current.ToSnapshot());
        }

        var live = await leases.GetLiveAsync(key, ct);
        var blocked = LeaseFence.IsSomeoneElses(live, leaseToken, actor.UserId) ? null : await DeleteBlockedAsync(id, actor, ct);
        return live switch
        {
            _ when LeaseFence.IsSomeoneElses(live, leaseToken, actor.UserId) => new DeleteResult<TSnapshot>.NotHolder(LeaseHolder.From(live!)),
            _ when blocked is not null => new DeleteResult<TSnapshot>.Locked(blocked),
            { } lease => new DeleteResult<TSnapshot>.Locked($"Checked out by {lease.HolderName} until {lease.ExpiresAt:u}."),
            null => new DeleteResult<TSnapshot>.Locked(leaseToken is not null ? SaveResult<TSnapshot>.LeaseLost.Message : SaveResult<TSnapshot>.CheckoutRequired.Message),
        };
    }

    /// <summary>The committed row, or null.</summary>
    private async Task<TRow?> ReadCurrentAsync(int id, CancellationToken ct)
    {
        await using var cmd = Command(CurrentSql, id);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>The first row of a one-statement command, read to the end of its results so an error that follows the row (the implicit commit) surfaces here, not from Dispose.</summary>
    private async Task<TRow?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var row = await reader.ReadAsync(ct) ? Read(reader) : null;
        await reader.NextResultAsync(ct);
        return row;
    }

    private NpgsqlCommand Command(string sql, params object?[] values) => SqlCommands.Command(DataSource, sql, values);

    private async Task<SaveResult<TSnapshot>> Timed(string operation, Func<Task<SaveResult<TSnapshot>>> save)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await save();
        CollabMetrics.SaveLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            CollabMetrics.Kind(kind), new("operation", operation), new("outcome", result.GetType().Name));
        return result;
    }

    /// <summary>Normalizes the values; returns the broken rules, or null when they may be written.</summary>
    private SaveResult<TSnapshot>.Invalid? Prepare(TValues values, out TValues normalized)
    {
        ArgumentNullException.ThrowIfNull(values);
        normalized = Normalize(values);
        return Validate(normalized) is { Count: > 0 } errors ? new SaveResult<TSnapshot>.Invalid(errors) : null;
    }
}
