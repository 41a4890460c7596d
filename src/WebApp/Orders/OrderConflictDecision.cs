using CollabEditor.Core.Orders;

namespace CollabEditor.WebApp.Orders;

/// <summary>What the user chose in the order conflict dialog.</summary>
public abstract record OrderConflictDecision
{
    private OrderConflictDecision()
    {
    }

    /// <summary>Save the merged order (version-checked against theirs).</summary>
    public sealed record SaveMerged(OrderValues Values) : OrderConflictDecision;

    /// <summary>Throw my edits away and load what is saved now.</summary>
    public sealed record DiscardMine : OrderConflictDecision;

    /// <summary>Close and keep editing my values.</summary>
    public sealed record KeepEditing : OrderConflictDecision;
}
