using Npgsql;

namespace CollabEditor.Data;

/// <summary>Hand-written statements with positional parameters ($1, $2, …), for the stores' write paths.</summary>
internal static class SqlCommands
{
    /// <summary>A command on <paramref name="dataSource"/> with <paramref name="values"/> as $1, $2, … (null is SQL NULL).</summary>
    public static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, params object?[] values)
    {
        var command = dataSource.CreateCommand(sql);
        AddParameters(command.Parameters, values);
        return command;
    }

    /// <summary>One statement of an <see cref="NpgsqlBatch"/>, with <paramref name="values"/> as $1, $2, ….</summary>
    public static NpgsqlBatchCommand Batch(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, values);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new() { Value = value ?? DBNull.Value });
        }
    }
}
