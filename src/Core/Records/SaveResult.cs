using CollabEditor.Core.Leases;
using CollabEditor.Core.Validation;

namespace CollabEditor.Core.Records;

/// <summary>What became of a version-checked write of one record (products: <c>SaveResult</c>, an alias of <c>SaveResult&lt;ProductSnapshot&gt;</c>).</summary>
public abstract record SaveResult<TSnapshot>
{
    private SaveResult()
    {
    }

    /// <summary>Committed; <paramref name="Current"/> is the new version.</summary>
    public sealed record Saved(TSnapshot Current) : SaveResult<TSnapshot>;

    /// <summary>Someone else committed first; <paramref name="Theirs"/> is what is there now. Nothing was written.</summary>
    public sealed record Conflict(TSnapshot Theirs) : SaveResult<TSnapshot>;

    /// <summary>The record no longer exists. Nothing was written.</summary>
    public sealed record Deleted : SaveResult<TSnapshot>;

    /// <summary>Someone else has it checked out. Nothing was written.</summary>
    public sealed record Locked(LeaseHolder Holder) : SaveResult<TSnapshot>
    {
        public string Message => $"Checked out by {Holder.HolderName} until {Holder.ExpiresAt:u}.";
    }

    /// <summary>The caller presented the token of another user's live lease. Nothing was written; the lease stays.</summary>
    public sealed record NotHolder(LeaseHolder Holder) : SaveResult<TSnapshot>;

    /// <summary>The caller wrote under a lease that is no longer live (expired, released, taken away). Nothing was written.</summary>
    public sealed record LeaseLost : SaveResult<TSnapshot>
    {
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "A fixed sentence, the same for every record kind.")]
        public static string Message => "Your check-out has ended (expired, checked in or released by an administrator); nothing was saved. Save again without it, or check out again.";
    }

    /// <summary>The record requires check-out and the caller holds no live lease. Nothing was written.</summary>
    public sealed record CheckoutRequired : SaveResult<TSnapshot>
    {
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "A fixed sentence, the same for every record kind.")]
        public static string Message => "This record requires check-out: check it out before saving.";
    }

    /// <summary>The values break a rule. Nothing was written.</summary>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : SaveResult<TSnapshot>;
}
