using CollabEditor.Core.Leases;

namespace CollabEditor.Core.Records;

/// <summary>What became of a version-checked delete.</summary>
public abstract record DeleteResult<TSnapshot>
{
    private DeleteResult()
    {
    }

    /// <summary>The row is gone.</summary>
    public sealed record Removed : DeleteResult<TSnapshot>;

    /// <summary>Someone else changed it since it was loaded; nothing was deleted.</summary>
    public sealed record Conflict(TSnapshot Theirs) : DeleteResult<TSnapshot>;

    /// <summary>Someone else has it checked out (or it requires check-out); nothing was deleted.</summary>
    public sealed record Locked(string Message) : DeleteResult<TSnapshot>;

    /// <summary>The caller presented the token of another user's live lease; nothing was deleted.</summary>
    public sealed record NotHolder(LeaseHolder Holder) : DeleteResult<TSnapshot>;

    /// <summary>It was already gone.</summary>
    public sealed record NotFound : DeleteResult<TSnapshot>;
}
