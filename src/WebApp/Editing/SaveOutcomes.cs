using CollabEditor.Core.Editing;
using CollabEditor.Core.Records;

namespace CollabEditor.WebApp.Editing;

/// <summary>What a record store's <see cref="SaveResult{TSnapshot}"/> means to the editor shell.</summary>
public static class SaveOutcomes
{
    /// <summary>Maps <paramref name="result"/>, reading a snapshot as (id, version) with <paramref name="read"/>.</summary>
    public static SaveOutcome<T> From<TSnapshot, T>(SaveResult<TSnapshot> result, Func<TSnapshot, (int Id, Versioned<T> Version)> read)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        return result switch
        {
            SaveResult<TSnapshot>.Saved s when read(s.Current) is var (id, version) => new SaveOutcome<T>.Saved(id, version),
            SaveResult<TSnapshot>.Conflict c => new SaveOutcome<T>.Conflict(read(c.Theirs).Version),
            SaveResult<TSnapshot>.Deleted => new SaveOutcome<T>.Deleted(),
            SaveResult<TSnapshot>.Invalid i => new SaveOutcome<T>.Invalid(i.Errors),
            SaveResult<TSnapshot>.Locked l => new SaveOutcome<T>.Refused(l.Message),
            // A page presents only its own check-out's token; said rather than swallowed all the same.
            SaveResult<TSnapshot>.NotHolder n => new SaveOutcome<T>.Refused(n.Holder.BelongsToMessage),
            SaveResult<TSnapshot>.LeaseLost => new SaveOutcome<T>.Refused(SaveResult<TSnapshot>.LeaseLost.Message),
            SaveResult<TSnapshot>.CheckoutRequired => new SaveOutcome<T>.Refused(SaveResult<TSnapshot>.CheckoutRequired.Message),
            _ => throw new InvalidOperationException($"Unknown save result {result}."),
        };
    }
}
