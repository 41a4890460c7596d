using System.Diagnostics.CodeAnalysis;
using CollabEditor.WebApp.Account;

namespace CollabEditor.WebApp.Cli;

/// <summary>A parsed CLI verb: <c>users VERB NAME [options]</c> or <c>migrate</c>. Parsing checks everything that needs no database.</summary>
internal sealed record CliCommand(string Verb, string Name, string? Role, IReadOnlyDictionary<string, string?> Options)
{
    private const string PasswordStdin = "--password-stdin";

    /// <summary>The options each verb takes; null value: a flag without a value.</summary>
    private static readonly Dictionary<string, string[]> VerbOptions = new(StringComparer.Ordinal)
    {
        ["add"] = ["--role", "--display-name", PasswordStdin],
        ["set-password"] = [PasswordStdin],
        ["set-role"] = [],
        ["disable"] = [],
        ["enable"] = [],
        ["list"] = [],
    };

    public bool ReadsPassword => Options.ContainsKey(PasswordStdin);

    public string? Option(string name) => Options.GetValueOrDefault(name);

    public static bool TryParse(string[] args, [NotNullWhen(true)] out CliCommand? command, out string problem)
    {
        command = null;
        problem = CollabCli.Usage;
        if (args is ["migrate"])
        {
            command = new("migrate", string.Empty, null, new Dictionary<string, string?>());
            return true;
        }

        if (args is ["migrate", var extra, ..])
        {
            problem = $"migrate takes no arguments (got '{extra}'). {CollabCli.Usage}";
            return false;
        }

        if (args is not ["users", var verb, .. var rest] || !VerbOptions.TryGetValue(verb, out var allowed))
        {
            problem = args is ["users", var unknown, ..] ? $"Unknown command 'users {unknown}'. {CollabCli.Usage}" : CollabCli.Usage;
            return false;
        }

        var positional = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < rest.Length; i++)
        {
            var arg = rest[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(arg);
                continue;
            }

            if (!allowed.Contains(arg))
            {
                problem = arg == "--password"
                    ? "A password is never given on the command line: use --password-stdin and pipe it in."
                    : $"Unknown option '{arg}' for 'users {verb}'. {CollabCli.Usage}";
                return false;
            }

            if (arg == PasswordStdin)
            {
                options[arg] = null;
            }
            else if (i + 1 < rest.Length && !rest[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options[arg] = rest[++i];
            }
            else
            {
                problem = $"Option '{arg}' needs a value.";
                return false;
            }
        }

        var expected = verb switch { "list" => 0, "set-role" => 2, _ => 1 };
        if (positional.Count != expected)
        {
            problem = expected switch
            {
                0 => $"'users list' takes no arguments. {CollabCli.Usage}",
                2 => $"'users set-role' needs a user name and a role (Admin or Editor). {CollabCli.Usage}",
                _ => $"'users {verb}' needs exactly one user name. {CollabCli.Usage}",
            };
            return false;
        }

        string? role = null;
        if (verb is "add" or "set-role")
        {
            var given = verb == "add" ? options.GetValueOrDefault("--role") : positional[1];
            if (given is null)
            {
                problem = "'users add' needs --role Admin or --role Editor.";
                return false;
            }

            if ((role = UserAccounts.ParseRole(given, out var roleError)) is null)
            {
                problem = roleError;
                return false;
            }

            if (verb == "add")
            {
                options["--role"] = role;
            }
        }

        if (verb is "add" or "set-password" && !options.ContainsKey(PasswordStdin))
        {
            problem = $"'users {verb}' needs --password-stdin: pipe the password in (it is never given on the command line).";
            return false;
        }

        command = new(verb, positional.Count > 0 ? positional[0] : string.Empty, role, options);
        return true;
    }
}
