using CollabEditor.Data.Drafts;

namespace CollabEditor.WebApp.Drafts;

/// <summary>
/// One edit page's draft of one record: written a moment after the user stops typing, and written
/// in the order the page asks for, so a "discard" after a save is never overtaken by an earlier "keep".
/// Used from the page's dispatcher only.
/// </summary>
public sealed class DraftKeeper<TValues>(DraftStore store, TimeProvider time, string userId, string key) : IDisposable
    where TValues : class
{
    private CancellationTokenSource? _pending;
    private Task _lastWrite = Task.CompletedTask;

    /// <summary>How long typing has to pause before the draft is written.</summary>
    public TimeSpan Delay { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>True while an edit waits out the delay: it is not in the draft yet.</summary>
    public bool Pending => _pending is not null;

    /// <summary>The user's draft of this record with what it started from, part by part.</summary>
    public Task<DraftOf<TValues>?> GetDraftAsync() => store.GetDraftAsync<TValues>(userId, key);

    /// <summary>
    /// Called on every edit: waits out <see cref="Delay"/> and returns true, or returns false as soon as
    /// a later edit, a write or the end of the page supersedes this one.
    /// </summary>
    public async Task<bool> WaitAsync()
    {
        CancelPending();
        var pending = new CancellationTokenSource();
        _pending = pending;
        try
        {
            await Task.Delay(Delay, time, pending.Token);
        }
        catch (OperationCanceledException) when (pending.IsCancellationRequested)
        {
            return false;
        }

        if (_pending == pending)
        {
            _pending = null;
            pending.Dispose();
        }

        return true;
    }

    /// <summary>Keeps <paramref name="values"/> as the draft, started from <paramref name="baseVersion"/>.</summary>
    public Task SaveAsync(int baseVersion, TValues values, TValues? mergeBase = default) => WriteAsync(() => store.SaveAsync(userId, key, baseVersion, values, mergeBase));

    /// <summary>Forgets the draft (saved, discarded, or edited back to the saved values).</summary>
    public Task DiscardAsync() => WriteAsync(() => store.DiscardAsync(userId, key));

    // Each write starts after the one before has finished: issue order is commit order. A write
    // reflects the page as it is now, so it also stands for any edit still waiting out the delay.
    private Task WriteAsync(Func<Task> write)
    {
        CancelPending();
        var next = AfterAsync(_lastWrite, write);
        _lastWrite = next;
        return next;
    }

    private static async Task AfterAsync(Task previous, Func<Task> write)
    {
        // The previous write's failure was reported to whoever asked for it; this one still runs.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await write();
    }

    private void CancelPending()
    {
        var pending = _pending;
        _pending = null;
        if (pending is not null)
        {
            pending.Cancel();
            pending.Dispose();
        }
    }

    public void Dispose() => CancelPending();
}
