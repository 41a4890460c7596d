using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Lists;

/// <summary>Where a keyset page starts: the first rows, the rows after or before a row, or the last rows.</summary>
public enum PageMove
{
    First,
    After,
    Before,
    Last,
}

/// <summary>
/// A position in a sorted list, as an opaque token for programs and pages: the sort it belongs to, the
/// move, and the sort key and id of the row the move starts from. Reading a page by cursor costs the
/// same at any depth (an index seek), unlike OFFSET, which reads every skipped row.
/// </summary>
/// <param name="Filter">For programs: a tag of the search the cursor was made under, so it is not reused with another (the stores ignore it).</param>
public sealed record ListCursor(string Sort, bool Descending, PageMove Move, string? Key = null, int Id = 0, string? Filter = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The last page of <paramref name="sort"/> (the reversed sort's first page).</summary>
    public static ListCursor LastOf(string sort, bool descending) => new(sort, descending, PageMove.Last);

    /// <summary>The token: base64url of a small JSON object (opaque to clients; not a secret).</summary>
    public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new Wire(Sort, Descending, Move, Key, Id, Filter), Json))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Reads a token made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string? token, out ListCursor cursor)
    {
        cursor = default!;
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return false;
        }

        try
        {
            var text = token.Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
            var wire = JsonSerializer.Deserialize<Wire>(Convert.FromBase64String(text), Json);
            if (wire is null || string.IsNullOrEmpty(wire.S) || !Enum.IsDefined(wire.M)
                || (wire.M is PageMove.After or PageMove.Before && wire.K is null))
            {
                return false;
            }

            cursor = new ListCursor(wire.S, wire.D, wire.M, wire.K, wire.I, wire.F);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException)
        {
            return false;
        }
    }

    private sealed record Wire(string S, bool D, PageMove M, string? K, int I, string? F = null);

    /// <summary>The tag of a search as the stores apply it (trimmed; none for no search): 8 bytes of its SHA-256.</summary>
    public static string? FilterTag(string? search)
    {
        var text = search?.Replace("\0", string.Empty, StringComparison.Ordinal).Trim();
        return string.IsNullOrEmpty(text)
            ? null
            : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);
    }
}

/// <summary>One keyset page: its rows in list order and the cursors around it (null where there is nothing).</summary>
public sealed record KeysetPage<T>(IReadOnlyList<T> Items, ListCursor? Previous, ListCursor? Next, ListCursor Last);

/// <summary>A sortable column of <typeparamref name="TEntity"/>: how to order by it and seek past a row.</summary>
public abstract class KeysetColumn<TEntity>
{
    protected KeysetColumn(string name) => Name = name;

    /// <summary>The sort's name (the grid's column and the API's <c>sort</c>).</summary>
    public string Name { get; }

    /// <summary>Orders by this column, ties broken by id in the same direction (one (column, id) index either way).</summary>
    public abstract IQueryable<TEntity> Order(IQueryable<TEntity> rows, bool descending);

    /// <summary>The rows strictly after (<paramref name="greater"/>) or before the row with <paramref name="key"/> and <paramref name="id"/>, in (column, id) order.</summary>
    public abstract IQueryable<TEntity> Seek(IQueryable<TEntity> rows, string key, int id, bool greater);

    /// <summary>A row's key as the cursor carries it.</summary>
    public abstract string KeyOf(TEntity row);

    /// <summary>A row's id (the tie-break of every sort).</summary>
    public abstract int IdOf(TEntity row);

    /// <summary>The cursor that moves <paramref name="move"/> from <paramref name="row"/> in this sort.</summary>
    public ListCursor CursorAt(PageMove move, bool descending, TEntity row) => new(Name, descending, move, KeyOf(row), IdOf(row));

    /// <summary>True when <paramref name="key"/> is a value of this column (a cursor made for it).</summary>
    public abstract bool Accepts(string key);
}

/// <summary>A <see cref="KeysetColumn{TEntity}"/> with a key of type <typeparamref name="TKey"/>.</summary>
public sealed class KeysetColumn<TEntity, TKey>(
    string name,
    Expression<Func<TEntity, TKey>> keySelector,
    Expression<Func<TEntity, int>> idSelector,
    Func<TKey, string> format,
    Func<string, TKey> parse) : KeysetColumn<TEntity>(name)
{
    private readonly Func<TEntity, TKey> _keyOf = keySelector.Compile();
    private readonly Func<TEntity, int> _idOf = idSelector.Compile();

    public override IQueryable<TEntity> Order(IQueryable<TEntity> rows, bool descending) => descending
        ? rows.OrderByDescending(keySelector).ThenByDescending(idSelector)
        : rows.OrderBy(keySelector).ThenBy(idSelector);

    public override IQueryable<TEntity> Seek(IQueryable<TEntity> rows, string key, int id, bool greater)
    {
        // (column, id) > (@key, @id): PostgreSQL's row comparison, which a (column, id) index serves as
        // one range scan. The boundary is a captured object, so EF sends parameters and reuses its plan.
        var boundary = new Boundary(parse(key), id);
        var row = keySelector.Parameters[0];
        var idOfRow = new Rebind(idSelector.Parameters[0], row).Visit(idSelector.Body);
        var holder = Expression.Constant(boundary);
        var left = Expression.Call(typeof(ValueTuple), nameof(ValueTuple.Create), [typeof(TKey), typeof(int)], keySelector.Body, idOfRow);
        var right = Expression.Call(typeof(ValueTuple), nameof(ValueTuple.Create), [typeof(TKey), typeof(int)],
            Expression.Property(holder, nameof(Boundary.Key)), Expression.Property(holder, nameof(Boundary.Id)));
        var compare = typeof(NpgsqlDbFunctionsExtensions).GetMethod(
            greater ? nameof(NpgsqlDbFunctionsExtensions.GreaterThan) : nameof(NpgsqlDbFunctionsExtensions.LessThan),
            [typeof(DbFunctions), typeof(ITuple), typeof(ITuple)])!;
        var functions = Expression.Property(null, typeof(EF), nameof(EF.Functions));
        var body = Expression.Call(compare, functions, Expression.Convert(left, typeof(ITuple)), Expression.Convert(right, typeof(ITuple)));
        return rows.Where(Expression.Lambda<Func<TEntity, bool>>(body, row));
    }

    public override string KeyOf(TEntity row) => format(_keyOf(row));

    public override int IdOf(TEntity row) => _idOf(row);

    public override bool Accepts(string key)
    {
        try
        {
            _ = parse(key);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private sealed class Boundary(TKey key, int id)
    {
        public TKey Key { get; } = key;

        public int Id { get; } = id;
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}

/// <summary>Keyset pages over a query: first, after a row, before a row, last.</summary>
public static class Keyset
{
    /// <summary>How many rows in list order a search looks through for its page before it asks its index.</summary>
    public const int Probe = 2000;

    /// <summary>Key formats for cursors (invariant, round-trip).</summary>
    public static string Text(string value) => value;

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static int ParseInt(string key) => int.Parse(key, NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static decimal ParseDecimal(string key) => decimal.Parse(key, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string key) =>
        new(DateTime.Parse(key, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime(), TimeSpan.Zero);

    /// <summary>
    /// Reads page <paramref name="page"/> by OFFSET (kept for old clients; it reads every skipped row),
    /// with the cursors around it, so a client can go on by cursor from where it is.
    /// </summary>
    public static async Task<KeysetPage<TEntity>> OffsetPageAsync<TEntity>(
        IQueryable<TEntity> rows, KeysetColumn<TEntity> column, bool descending, int page, int pageSize, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(column);
        // A page past any sensible end is simply empty (and never overflows the offset).
        var pageIndex = Math.Clamp(page, 0, (int.MaxValue / pageSize) - 1);
        var read = await column.Order(rows, descending).Skip(pageIndex * pageSize).Take(pageSize + 1).ToListAsync(ct);
        var items = read.Take(pageSize).ToList();
        return new KeysetPage<TEntity>(
            items,
            pageIndex > 0 && items.Count > 0 ? column.CursorAt(PageMove.Before, descending, items[0]) : null,
            read.Count > pageSize ? column.CursorAt(PageMove.After, descending, items[^1]) : null,
            ListCursor.LastOf(column.Name, descending));
    }

    /// <summary>
    /// Reads the page <paramref name="cursor"/> names (the first page when null) of <paramref name="rows"/>
    /// sorted by <paramref name="column"/>: <paramref name="pageSize"/> + 1 rows, so whether there is a
    /// further page is known without a count. Following the cursors reads every row once, forward or
    /// backward: the page before the first full one is short rather than overlapping it, and a page
    /// after rows that were deleted meanwhile may be empty (no next, and its previous is the last page).
    /// </summary>
    /// <remarks>
    /// With a <paramref name="filter"/> (a search), the page is first looked for among the next
    /// <see cref="Probe"/> rows in list order: when they hold a full page, those are exactly the first
    /// matches (the rows are in order), found by one short index range scan however many rows match in
    /// all. Only when they do not (a rare term) is the filter asked first, through its own index.
    /// Without <paramref name="probe"/> the filter is asked first at once (a filter by known ids).
    /// </remarks>
    public static async Task<KeysetPage<TEntity>> PageAsync<TEntity>(
        IQueryable<TEntity> rows, KeysetColumn<TEntity> column, bool descending, ListCursor? cursor, int pageSize, CancellationToken ct,
        Func<IQueryable<TEntity>, IQueryable<TEntity>>? filter = null, bool probe = true)
    {
        ArgumentNullException.ThrowIfNull(column);
        var move = cursor?.Move ?? PageMove.First;
        var last = ListCursor.LastOf(column.Name, descending);
        // Before and Last read the reversed sort and turn the rows around.
        var reversed = move is PageMove.Before or PageMove.Last;
        var query = rows;
        if (move is PageMove.After or PageMove.Before)
        {
            // Ascending: after = greater; descending: after = smaller. Before is the opposite.
            query = column.Seek(query, cursor!.Key!, cursor.Id, greater: (move == PageMove.After) != descending);
        }

        var order = descending != reversed;
        List<TEntity>? read = null;
        if (filter is not null && probe)
        {
            read = await column.Order(filter(column.Order(query, order).Take(Probe)), order).Take(pageSize + 1).ToListAsync(ct);
            if (read.Count <= pageSize)
            {
                read = null;
            }
        }

        // The filtered rows behind OFFSET 0 (a parameter): PostgreSQL then plans the search on its own (its
        // trigram index) and sorts what matched, instead of walking the sort's index through every row
        // when it misjudges how many match (3 s instead of 80 ms for a term of 12,000 rows in 1,000,000).
        var fence = 0;
        read ??= await column.Order(filter is null ? query : filter(query).Skip(fence), order).Take(pageSize + 1).ToListAsync(ct);
        var more = read.Count > pageSize;
        var items = read.Take(pageSize).ToList();
        if (reversed)
        {
            items.Reverse();
        }

        if (items.Count == 0 && move is PageMove.After or PageMove.Before)
        {
            // The rows around the cursor went meanwhile: lead to the end that still has rows.
            return move == PageMove.After
                ? new KeysetPage<TEntity>(items, last, null, last)
                : new KeysetPage<TEntity>(items, null, new ListCursor(column.Name, descending, PageMove.First), last);
        }

        var hasPrevious = move switch { PageMove.First => false, PageMove.After => true, _ => more };
        var hasNext = move switch { PageMove.Last => false, PageMove.Before => true, _ => more };
        return new KeysetPage<TEntity>(
            items,
            hasPrevious && items.Count > 0 ? column.CursorAt(PageMove.Before, descending, items[0]) : null,
            hasNext && items.Count > 0 ? column.CursorAt(PageMove.After, descending, items[^1]) : null,
            last);
    }
}
