using Npgsql;

namespace CollabEditor.Data.Lists;

/// <summary>
/// How the database orders and case-folds text, as far as the app can reproduce it: under the C
/// collation and ctype, text sorts by code point and ILIKE folds ASCII letters only. Under any other
/// locale the app does not guess (a list re-queries instead).
/// </summary>
public sealed record DatabaseText(bool OrdersByCodePoint, bool FoldsAsciiOnly)
{
    /// <summary>Nothing reproducible: every text comparison is left to the database.</summary>
    public static DatabaseText Unknown { get; } = new(false, false);

    /// <summary>The current database's default collation and ctype (the list columns declare none of their own).</summary>
    public static async Task<DatabaseText> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var cmd = dataSource.CreateCommand("SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return Unknown;
        }

        static bool IsC(string locale) => locale is "C" or "POSIX";
        return new(IsC(reader.GetString(0)), IsC(reader.GetString(1)));
    }
}
