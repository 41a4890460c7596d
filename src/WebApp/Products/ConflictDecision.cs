using CollabEditor.Core.Products;

namespace CollabEditor.WebApp.Products;

/// <summary>What the user chose in the conflict dialog.</summary>
public abstract record ConflictDecision
{
    private ConflictDecision()
    {
    }

    /// <summary>Save the merged values (version-checked against theirs).</summary>
    public sealed record SaveMerged(ProductValues Values) : ConflictDecision;

    /// <summary>Throw my edits away and load what is saved now (the only path that drops typing).</summary>
    public sealed record DiscardMine : ConflictDecision;

    /// <summary>Close the dialog and keep editing my values.</summary>
    public sealed record KeepEditing : ConflictDecision;

    /// <summary>The record was deleted: create it again from my values.</summary>
    public sealed record Recreate(ProductValues Values) : ConflictDecision;
}
