using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Drafts;

/// <summary>Per user and record: the latest unsaved edits and the version they started from.</summary>
public sealed class DraftStore(IDbContextFactory<CollabDbContext> dbFactory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Keeps (or replaces) the user's draft of <paramref name="key"/>; <paramref name="mergeBase"/>: what the edits started from, part by part.</summary>
    public async Task SaveAsync<T>(string userId, string key, int baseVersion, T values, T? mergeBase = default, CancellationToken ct = default)
    {
        var data = JsonSerializer.Serialize(values, Json);
        var started = mergeBase is null ? null : JsonSerializer.Serialize(mergeBase, Json);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO drafts (user_id, resource_key, base_version, data, merge_base, saved_at)
            VALUES ({userId}, {key}, {baseVersion}, {data}::jsonb, {started}::jsonb, now())
            ON CONFLICT (user_id, resource_key) DO UPDATE SET base_version = excluded.base_version, data = excluded.data, merge_base = excluded.merge_base, saved_at = now()
            """, ct);
    }

    /// <summary>The user's draft of <paramref name="key"/> with what it started from, or null.</summary>
    public async Task<DraftOf<T>?> GetDraftAsync<T>(string userId, string key, CancellationToken ct = default)
        where T : class
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var draft = await db.Drafts.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId && d.ResourceKey == key, ct);
        var values = draft is null ? null : JsonSerializer.Deserialize<T>(draft.Data, Json);
        return draft is null || values is null ? null
            : new DraftOf<T>(draft.BaseVersion, values, draft.SavedAt, draft.MergeBase is null ? null : JsonSerializer.Deserialize<T>(draft.MergeBase, Json));
    }

    /// <summary>The user's draft of <paramref name="key"/>: the values and the version they started from, or null.</summary>
    public async Task<(int BaseVersion, T Values, DateTimeOffset SavedAt)?> GetAsync<T>(string userId, string key, CancellationToken ct = default)
        where T : class =>
        await GetDraftAsync<T>(userId, key, ct) is { } draft ? (draft.BaseVersion, draft.Values, draft.SavedAt) : null;

    /// <summary>Forgets the draft (after a save, or when the user discards it).</summary>
    public async Task DiscardAsync(string userId, string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"DELETE FROM drafts WHERE user_id = {userId} AND resource_key = {key}", ct);
    }
}

/// <summary>A draft: the edits, the version they started from, when they were kept, and what they started from part by part (null for an older draft).</summary>
public sealed record DraftOf<T>(int BaseVersion, T Values, DateTimeOffset SavedAt, T? MergeBase)
    where T : class;
