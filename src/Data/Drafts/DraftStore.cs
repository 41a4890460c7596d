using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Drafts;

/// <summary>Per user and record: the latest unsaved edits and the version they started from.</summary>
public sealed class DraftStore(IDbContextFactory<CollabDbContext> dbFactory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Keeps (or replaces) the user's draft of <paramref name="key"/>.</summary>
    public async Task SaveAsync<T>(string userId, string key, int baseVersion, T values, CancellationToken ct = default)
    {
        var data = JsonSerializer.Serialize(values, Json);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO drafts (user_id, resource_key, base_version, data, saved_at)
            VALUES ({userId}, {key}, {baseVersion}, {data}::jsonb, now())
            ON CONFLICT (user_id, resource_key) DO UPDATE SET base_version = excluded.base_version, data = excluded.data, saved_at = now()
            """, ct);
    }

    /// <summary>The user's draft of <paramref name="key"/>: the values and the version they started from, or null.</summary>
    public async Task<(int BaseVersion, T Values, DateTimeOffset SavedAt)?> GetAsync<T>(string userId, string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var draft = await db.Drafts.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId && d.ResourceKey == key, ct);
        if (draft is null)
        {
            return null;
        }

        var values = JsonSerializer.Deserialize<T>(draft.Data, Json);
        return values is null ? null : (draft.BaseVersion, values, draft.SavedAt);
    }

    /// <summary>Forgets the draft (after a save, or when the user discards it).</summary>
    public async Task DiscardAsync(string userId, string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"DELETE FROM drafts WHERE user_id = {userId} AND resource_key = {key}", ct);
    }
}
