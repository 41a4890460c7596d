using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CollabEditor.Core.History;

namespace CollabEditor.Data.History;

/// <summary>
/// Where a page of a timeline ended, in both of the streams it merges: the oldest version shown
/// (by history id) and the last lease event shown (by its sort key). The next page resumes each
/// stream right after it, so paging yields exactly the unpaged merge, and saves made meanwhile (newer
/// ids, later times) cannot shift or repeat what is still to come.
/// </summary>
/// <param name="BeforeVersionId">The next page shows versions with a smaller history id.</param>
/// <param name="AfterLease">The last lease event shown, or null when none has been.</param>
public sealed record HistoryCursor(long BeforeVersionId, HistoryCursor.LeasePosition? AfterLease)
{
    /// <summary>A lease event's place in the timeline's lease order (time, then non-expiry first, then id; all descending).</summary>
    public sealed record LeasePosition(DateTimeOffset At, bool NotExpiry, long Id)
    {
        public static LeasePosition Of(LeaseEvent e)
        {
            ArgumentNullException.ThrowIfNull(e);
            return new(e.At, e.Action != "expired", e.Id);
        }
    }

    /// <summary>The cursor as an opaque URL-safe string.</summary>
    public string Encode()
    {
        var text = AfterLease is { } l
            ? string.Create(CultureInfo.InvariantCulture, $"{BeforeVersionId}.{l.At.UtcTicks}.{(l.NotExpiry ? 1 : 0)}.{l.Id}")
            : BeforeVersionId.ToString(CultureInfo.InvariantCulture);
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>Reads a cursor made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryParse(string? encoded, out HistoryCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(encoded) || encoded.Length > 200 || !Base64Url.IsValid(encoded))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(encoded)).Split('.');
        if (!Number(parts[0], out var before) || before < 1)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            cursor = new(before, null);
            return true;
        }

        if (parts.Length != 4 || !Number(parts[1], out var ticks) || ticks > DateTimeOffset.MaxValue.UtcTicks || parts[2] is not ("0" or "1") || !Number(parts[3], out var id))
        {
            return false;
        }

        cursor = new(before, new(new DateTimeOffset(ticks, TimeSpan.Zero), parts[2] == "1", id));
        return true;
    }

    private static bool Number(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

/// <summary>One page of a timeline, newest first, and where the next one starts (null: this was the last).</summary>
public sealed record HistoryPage(IReadOnlyList<HistoryItem> Items, HistoryCursor? Next);
