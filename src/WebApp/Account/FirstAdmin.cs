namespace CollabEditor.WebApp.Account;

/// <summary>A Bootstrap setting that cannot create the first admin; the start stops with <see cref="Exception.Message"/> as its one line.</summary>
public sealed class BootstrapAdminException(string message) : Exception(message);

/// <summary>
/// The first admin for containers: on an empty user table, <c>Bootstrap:AdminUser</c> with
/// <c>Bootstrap:AdminPassword</c> or <c>Bootstrap:AdminPasswordFile</c> (a Docker secret) creates an
/// Admin at start. Never applied once any user exists, so the settings can stay in place.
/// </summary>
public static class FirstAdmin
{
    public const string Section = "Bootstrap";

    /// <summary>Creates the first admin if the settings ask for one and no user exists; throws <see cref="BootstrapAdminException"/> on a bad combination.</summary>
    public static async Task EnsureAsync(IServiceProvider services, IConfiguration configuration, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (Read(configuration.GetSection(Section)) is not var (userName, password))
        {
            return;
        }

        var result = await services.GetRequiredService<UserAccounts>().AddFirstAdminAsync(userName, password, ct);
        if (result is { Succeeded: false })
        {
            throw new BootstrapAdminException($"{Section}__AdminUser '{userName}' cannot be created: {result.Message}");
        }
    }

    /// <summary>The user name and password the settings give, null when they ask for nothing; a bad combination throws.</summary>
    public static (string UserName, string Password)? Read(IConfiguration bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var user = bootstrap["AdminUser"];
        var password = bootstrap["AdminPassword"];
        var file = bootstrap["AdminPasswordFile"];
        bool hasUser = !string.IsNullOrWhiteSpace(user), hasPassword = !string.IsNullOrEmpty(password), hasFile = !string.IsNullOrWhiteSpace(file);
        if (!hasUser)
        {
            return hasPassword || hasFile
                ? throw new BootstrapAdminException($"{Section}__AdminPassword or {Section}__AdminPasswordFile is set without {Section}__AdminUser: set the user name too.")
                : null;
        }

        if (hasPassword == hasFile)
        {
            throw new BootstrapAdminException(hasPassword
                ? $"{Section}__AdminPassword and {Section}__AdminPasswordFile are both set: set only one."
                : $"{Section}__AdminUser is set without {Section}__AdminPassword or {Section}__AdminPasswordFile: set one of them.");
        }

        if (hasFile)
        {
            try
            {
                // A secrets file usually ends with a newline that is not part of the password.
                password = File.ReadAllText(file!).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                throw new BootstrapAdminException($"{Section}__AdminPasswordFile '{file}' cannot be read: {ex.Message}");
            }
        }

        return (user!.Trim(), password!);
    }
}
