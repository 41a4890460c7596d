using CollabEditor.WebApp.Cli;
using Npgsql;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>Runs the app's CLI in-process against a test database, as Production with only a connection string.</summary>
internal static class Cli
{
    public sealed record Run(int ExitCode, string Out, string Error)
    {
        /// <summary>The one line the verb printed (to standard output on success, standard error on failure).</summary>
        public string Line
        {
            get
            {
                var text = (ExitCode == 0 ? Out : Error).TrimEnd('\n', '\r');
                Assert.DoesNotContain('\n', text);
                Assert.Equal(string.Empty, ExitCode == 0 ? Error : Out);
                return text;
            }
        }
    }

    public static async Task<Run> RunAsync(string connectionString, string? stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin ?? string.Empty);
        var code = await CollabCli.RunAsync(args, input, output, error, new Dictionary<string, string?> { ["ConnectionStrings:Collab"] = connectionString }, "Production");
        return new(code, output.ToString(), error.ToString());
    }

    /// <summary>The columns of one user row that the verbs change.</summary>
    public sealed record UserRow(string Id, string? PasswordHash, string SecurityStamp, bool LockoutEnabled, DateTimeOffset? LockoutEnd, string DisplayName);

    public static async Task<UserRow?> UserAsync(string connectionString, string userName)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""SELECT "Id", "PasswordHash", "SecurityStamp", "LockoutEnabled", "LockoutEnd", "DisplayName" FROM "AspNetUsers" WHERE "NormalizedUserName" = upper($1)""", connection)
        {
            Parameters = { new() { Value = userName } },
        };
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5))
            : null;
    }

    public static bool HasPassword(UserRow user, string password) =>
        new Microsoft.AspNetCore.Identity.PasswordHasher<Data.Users.AppUser>().VerifyHashedPassword(new(), user.PasswordHash!, password)
            != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed;
}
