using System.Linq.Expressions;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Lists;

namespace CollabEditor.WebApp.Lists;

/// <summary>What the list shell shows of every record kind's row, whatever else its columns are.</summary>
public interface IGridRow
{
    int Id { get; }

    int Version { get; }

    string LastChangedBy { get; }

    DateTimeOffset LastChangedAt { get; }

    /// <summary>Who has it checked out, when someone has.</summary>
    string? CheckedOutBy { get; }
}

/// <summary>One page the shell asks a kind's store for: the same keyset cursor and sort for every kind.</summary>
public sealed record ListRequest(string? Search, string? SortBy, bool Descending, int PageSize, ListCursor? Cursor);

/// <summary>
/// A record kind in the list shell (<see cref="RecordListPage{TItem, TRow}"/>): its words, its key
/// column, how its store pages and deletes, how its live changes arrive. The kind's page is its other
/// columns; paging, live patching, lock badges and the delete outcomes are the shell's.
/// </summary>
/// <param name="kind">The resource kind (<see cref="ResourceKey.Customer"/>): the lease keys, the noun, the list's address.</param>
/// <param name="columns">Sort and search as the kind's store applies them, for patching rows in place (<see cref="LiveRows{TRow}"/>).</param>
/// <param name="searchPlaceholder">What the search looks in: "Name or email".</param>
/// <param name="keyTitle">The first column's title; its cells link to the editor and carry the lock badge.</param>
/// <param name="key">The first column: its text, and the record's name in messages; its member's name is the store's sort key.</param>
public abstract class ListKind<TItem, TRow>(string kind, ListColumns<TRow> columns, string searchPlaceholder, string keyTitle, Expression<Func<TRow, string>> key)
    where TRow : class, IGridRow
{
    private readonly Func<TRow, string> _key = key.Compile();

    public ListColumns<TRow> Columns => columns;

    /// <summary>One record, lower case: "customer".</summary>
    public string Noun => kind;

    /// <summary>The page's heading: "Customers".</summary>
    public string Title { get; } = string.Concat(ResourceKey.CollectionOf(kind)[..1].ToUpperInvariant(), ResourceKey.CollectionOf(kind)[1..]);

    /// <summary>The list's address; a record's editor is below it (<c>/customers/7</c>, <c>/customers/new</c>).</summary>
    public string Href { get; } = "/" + ResourceKey.CollectionOf(kind);

    public string SearchPlaceholder => searchPlaceholder;

    public virtual string SearchTestId => Noun + "-search";

    public string KeyTitle => keyTitle;

    /// <summary>The first column's property, as a <c>PropertyColumn</c> binds it: sorting by it sends its name (a template column would send a random one).</summary>
    public Expression<Func<TRow, string>> Key => key;

    public string Label(TRow row) => _key(row);

    /// <summary>The record as the delete question names it.</summary>
    public virtual string Described(TRow row) => Label(row);

    /// <summary>The start of every lease key of this kind (<c>customer/</c>), to read the holders once per page.</summary>
    public string LeasePrefix => kind + "/";

    public string KeyFor(int id) => ResourceKey.For(kind, id);

    /// <summary>A row as shown, its time in the reader's <paramref name="zone"/>; the shell sets its holder (<see cref="ListColumns{TRow}.WithHolder"/>).</summary>
    public abstract TRow ToRow(TItem item, TimeZoneInfo zone);

    public abstract Task<IListPage<TItem>> ListAsync(ListRequest request, CancellationToken ct);

    /// <summary>Hands every batch of this kind's changes to <paramref name="handler"/> until disposed (<see cref="LiveLists"/>).</summary>
    public abstract IDisposable Subscribe(Func<ListChanges<TItem>, Task> handler);

    /// <summary>Whether rows have a delete button; orders are cancelled in their editor instead.</summary>
    public virtual bool CanDelete => false;

    /// <summary>The confirmation's text; a kind may say what else a delete does.</summary>
    public virtual string DeleteQuestion(TRow row) => $"Delete {Described(row)}, version {row.Version}?";

    public virtual Task<DeleteResult<TItem>> DeleteAsync(TRow row, Actor actor) => throw new NotSupportedException($"{Title} are not deleted from the list.");
}

/// <summary>A list's sort and search over <see cref="IGridRow"/> rows: their id, version and holder are the shell's.</summary>
public abstract class GridColumns<TRow> : ListColumns<TRow>
    where TRow : IGridRow
{
    public override int Id(TRow row) => row.Id;

    public override int Version(TRow row) => row.Version;

    public override string? Holder(TRow row) => row.CheckedOutBy;
}
