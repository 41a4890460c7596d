namespace CollabEditor.Data.Lists;

/// <summary>One page of a kind's list as its store returns it (<c>ProductPage</c>, <c>OrderPage</c>, <c>CustomerPage</c>), with what a pager needs.</summary>
public interface IListPage<out T>
{
    IReadOnlyList<T> Items { get; }

    int TotalCount { get; }

    bool TotalIsEstimate { get; }

    ListCursor? Previous { get; }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The pages' existing member, named after the RFC 8288 link relation it becomes.")]
    ListCursor? Next { get; }

    ListCursor? Last { get; }
}
