using CollabEditor.Core.Users;
using CollabEditor.Data;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.WebApp.Account;

/// <summary>Who asks for an account change: the operator at the command line, or a signed-in user (by id).</summary>
public sealed record AccountOperator(string? UserId, string Name)
{
    /// <summary>The operator running a CLI verb on the server: trusted, as anyone who can read the connection string is.</summary>
    public static AccountOperator Cli { get; } = new(null, "cli");

    /// <summary>A signed-in user; checked to be an enabled Admin in the same transaction as the change.</summary>
    public static AccountOperator User(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new(actor.UserId, actor.DisplayName);
    }
}

/// <summary>The outcome of an account change: one line for the CLI, the snackbar or the form.</summary>
public sealed record AccountResult(bool Succeeded, string Message)
{
    public static AccountResult Done(string message) => new(true, message);

    public static AccountResult Refused(string message) => new(false, message);
}

/// <summary>One row of the user list.</summary>
public sealed record UserSummary(string Id, string UserName, string DisplayName, string? Role, bool Disabled, bool LockedOut)
{
    public string Status => Disabled ? "disabled" : LockedOut ? "locked" : "enabled";
}

/// <summary>
/// Adds users, sets passwords and roles, disables and enables them, with Identity's
/// <see cref="UserManager{TUser}"/> and <see cref="RoleManager{TRole}"/>. Used by the CLI verbs, the
/// first-admin bootstrap and the Users page alike. Every change runs in its own scope (a short-lived
/// DbContext) and one transaction under an advisory lock: the "last enabled Admin" rule and the
/// "empty user table" check cannot be raced past by a second admin or a second instance.
/// </summary>
public sealed partial class UserAccounts(IServiceScopeFactory scopes, TimeProvider time, ILogger<UserAccounts> logger)
{
    /// <summary>Serializes account changes across instances (pg_advisory_xact_lock key; demo seeding uses 727001).</summary>
    private const long AccountLock = 727002;

    /// <summary>The roles a user can have, in the order the CLI's usage names them.</summary>
    public static IReadOnlyList<string> AllRoles { get; } = [Roles.Admin, Roles.Editor];

    /// <summary>Disabled is a lockout that never ends (set by <see cref="DisableAsync"/>); a temporary lockout ends before year 9999.</summary>
    public static bool IsDisabled(AppUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.LockoutEnd is { } end && end.UtcDateTime.Year >= 9999;
    }

    /// <summary>The canonical role name for <paramref name="role"/> (any case), or null with <paramref name="error"/> saying which roles exist.</summary>
    public static string? ParseRole(string? role, out string error)
    {
        var match = AllRoles.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
        error = match is null ? $"Role must be {string.Join(" or ", AllRoles)} (got '{role}')." : string.Empty;
        return match;
    }

    /// <summary>Every user with their role and state, by user name.</summary>
    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CollabDbContext>();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct);
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           select new { ur.UserId, r.Name }).ToListAsync(ct);
        var roleOf = roles.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => PrimaryRole(g.Select(r => r.Name)));
        var now = time.GetUtcNow();
        return [.. users.Select(u => new UserSummary(
            u.Id, u.UserName ?? string.Empty, u.DisplayName, roleOf.GetValueOrDefault(u.Id), IsDisabled(u),
            !IsDisabled(u) && u.LockoutEnd > now))];
    }

    /// <summary>Creates <paramref name="userName"/> with <paramref name="role"/>; the password must meet Identity's policy.</summary>
    public Task<AccountResult> AddAsync(string userName, string? displayName, string role, string password, AccountOperator by, CancellationToken ct = default) =>
        ChangeAsync(by, async (ctx) =>
        {
            if (ParseRole(role, out var roleError) is not { } canonicalRole)
            {
                return AccountResult.Refused(roleError);
            }

            if (string.IsNullOrWhiteSpace(userName))
            {
                return AccountResult.Refused("User name is required.");
            }

            if (CheckDisplayName(string.IsNullOrWhiteSpace(displayName) ? userName : displayName) is { } nameError)
            {
                return AccountResult.Refused(nameError);
            }

            return await AddUserAsync(ctx, userName, displayName, canonicalRole, password, by.Name);
        }, ct);

    /// <summary>Replaces <paramref name="userName"/>'s password (Identity updates the security stamp, ending their sessions).</summary>
    public Task<AccountResult> SetPasswordAsync(string userName, string password, AccountOperator by, CancellationToken ct = default) =>
        ChangeAsync(userName, by, async (ctx, user) =>
        {
            // Checked first so that a refused password never leaves the account without one.
            if (await CheckPasswordPolicyAsync(ctx.Users, user, password) is { } refused)
            {
                return refused;
            }

            if (await ctx.Users.HasPasswordAsync(user))
            {
                Check(await ctx.Users.RemovePasswordAsync(user));
            }

            var added = await ctx.Users.AddPasswordAsync(user, password);
            if (!added.Succeeded)
            {
                return Refused(added);
            }

            LogPasswordSet(logger, user.UserName, by.Name);
            return AccountResult.Done($"Password set for {user.UserName}.");
        }, ct);

    /// <summary>Gives <paramref name="userName"/> exactly <paramref name="role"/>; refused if it would leave no enabled Admin.</summary>
    public Task<AccountResult> SetRoleAsync(string userName, string role, AccountOperator by, CancellationToken ct = default) =>
        ChangeAsync(userName, by, async (ctx, user) =>
        {
            if (ParseRole(role, out var roleError) is not { } canonicalRole)
            {
                return AccountResult.Refused(roleError);
            }

            var current = await ctx.Users.GetRolesAsync(user);
            if (current.Count == 1 && current[0] == canonicalRole)
            {
                return AccountResult.Done($"{user.UserName} is already {canonicalRole}.");
            }

            if (canonicalRole != Roles.Admin && await IsLastEnabledAdminAsync(ctx, user))
            {
                return AccountResult.Refused(LastAdmin(user, "demoted"));
            }

            await EnsureRolesAsync(ctx);
            if (current.Count > 0)
            {
                Check(await ctx.Users.RemoveFromRolesAsync(user, current));
            }

            Check(await ctx.Users.AddToRoleAsync(user, canonicalRole));
            // A role is part of every session's principal: a new stamp makes the old ones invalid.
            Check(await ctx.Users.UpdateSecurityStampAsync(user));
            LogRoleSet(logger, user.UserName, canonicalRole, by.Name);
            return AccountResult.Done($"{user.UserName} is now {canonicalRole}.");
        }, ct);

    /// <summary>Disables <paramref name="userName"/>: a lockout without end, and a new security stamp (their sessions end).</summary>
    public Task<AccountResult> DisableAsync(string userName, AccountOperator by, CancellationToken ct = default) =>
        ChangeAsync(userName, by, async (ctx, user) =>
        {
            if (IsDisabled(user))
            {
                return AccountResult.Done($"{user.UserName} is already disabled.");
            }

            if (await IsLastEnabledAdminAsync(ctx, user))
            {
                return AccountResult.Refused(LastAdmin(user, "disabled"));
            }

            Check(await ctx.Users.SetLockoutEnabledAsync(user, true));
            Check(await ctx.Users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
            Check(await ctx.Users.UpdateSecurityStampAsync(user));
            LogDisabled(logger, user.UserName, by.Name);
            return AccountResult.Done($"Disabled {user.UserName}.");
        }, ct);

    /// <summary>Enables <paramref name="userName"/> again (also ends a temporary lockout from failed sign-ins).</summary>
    public Task<AccountResult> EnableAsync(string userName, AccountOperator by, CancellationToken ct = default) =>
        ChangeAsync(userName, by, async (ctx, user) =>
        {
            Check(await ctx.Users.SetLockoutEndDateAsync(user, null));
            Check(await ctx.Users.ResetAccessFailedCountAsync(user));
            LogEnabled(logger, user.UserName, by.Name);
            return AccountResult.Done($"Enabled {user.UserName}.");
        }, ct);

    /// <summary>
    /// Creates the first admin when the user table is empty, under the same lock as every other change: of
    /// several instances starting together exactly one creates it, and none does once any user exists.
    /// Null when users existed already; a refused result when Identity refused the name or password.
    /// </summary>
    public async Task<AccountResult?> AddFirstAdminAsync(string userName, string password, CancellationToken ct = default)
    {
        AccountResult? result = null;
        await ChangeAsync(AccountOperator.Cli, async ctx =>
        {
            if (await ctx.Db.Users.AnyAsync(ct))
            {
                return AccountResult.Refused("users exist");
            }

            result = await AddUserAsync(ctx, userName, null, Roles.Admin, password ?? string.Empty, "bootstrap");
            return result;
        }, ct);
        if (result is { Succeeded: true })
        {
            LogFirstAdmin(logger, userName);
        }

        return result;
    }

    /// <summary>Why <paramref name="displayName"/> cannot be used, or null.</summary>
    public static string? CheckDisplayName(string? displayName) =>
        string.IsNullOrWhiteSpace(displayName) ? "Display name is required."
        : displayName.Trim().Length > AppUser.DisplayNameMaxLength ? $"Display name must be at most {AppUser.DisplayNameMaxLength} characters."
        : null;

    /// <summary>Identity's password validators on <paramref name="password"/>; null when it passes, else their messages on one line.</summary>
    public static async Task<AccountResult?> CheckPasswordPolicyAsync(UserManager<AppUser> users, AppUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(users);
        var errors = new List<IdentityError>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, user, password);
            errors.AddRange(result.Errors);
        }

        return errors.Count == 0 ? null : Refused(IdentityResult.Failed([.. errors]));
    }

    /// <summary>Identity's messages on one line ("Passwords must be at least 8 characters. …").</summary>
    public static AccountResult Refused(IdentityResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return AccountResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    private async Task<AccountResult> AddUserAsync(Context ctx, string userName, string? displayName, string role, string? password, string byName)
    {
        var user = new AppUser { UserName = userName.Trim(), DisplayName = (string.IsNullOrWhiteSpace(displayName) ? userName : displayName).Trim() };
        var created = await ctx.Users.CreateAsync(user, password ?? string.Empty);
        if (!created.Succeeded)
        {
            return Refused(created);
        }

        await EnsureRolesAsync(ctx);
        Check(await ctx.Users.AddToRoleAsync(user, role));
        LogAdded(logger, user.UserName, role, byName);
        return AccountResult.Done($"Added {user.UserName} ({role}).");
    }

    private Task<AccountResult> ChangeAsync(string userName, AccountOperator by, Func<Context, AppUser, Task<AccountResult>> change, CancellationToken ct) =>
        ChangeAsync(by, async ctx =>
            await ctx.Users.FindByNameAsync(userName?.Trim() ?? string.Empty) is { } user
                ? await change(ctx, user)
                : AccountResult.Refused($"No user named '{userName}'."),
            ct);

    /// <summary>One scope, one transaction, the account lock, and (for a signed-in operator) the check that they are still an enabled Admin.</summary>
    private async Task<AccountResult> ChangeAsync(AccountOperator by, Func<Context, Task<AccountResult>> change, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var ctx = new Context(sp.GetRequiredService<CollabDbContext>(), sp.GetRequiredService<UserManager<AppUser>>(), sp.GetRequiredService<RoleManager<IdentityRole>>());
        await using var tx = await ctx.Db.Database.BeginTransactionAsync(ct);
        await ctx.Db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AccountLock})", ct);
        if (by.UserId is { } operatorId && !await IsEnabledAdminAsync(ctx, operatorId))
        {
            LogRefusedOperator(logger, by.Name);
            return AccountResult.Refused("Only an enabled Admin may manage users.");
        }

        var result = await change(ctx);
        if (result.Succeeded)
        {
            await tx.CommitAsync(ct);
        }

        return result;
    }

    private static async Task<bool> IsEnabledAdminAsync(Context ctx, string userId) =>
        await ctx.Users.FindByIdAsync(userId) is { } user && !IsDisabled(user) && await ctx.Users.IsInRoleAsync(user, Roles.Admin);

    private static async Task<bool> IsLastEnabledAdminAsync(Context ctx, AppUser user)
    {
        if (IsDisabled(user) || !await ctx.Users.IsInRoleAsync(user, Roles.Admin))
        {
            return false;
        }

        var admins = await ctx.Users.GetUsersInRoleAsync(Roles.Admin);
        return !admins.Any(a => a.Id != user.Id && !IsDisabled(a));
    }

    private static string LastAdmin(AppUser user, string what) =>
        $"{user.UserName} is the last enabled Admin and cannot be {what}; make another user Admin first.";

    private static async Task EnsureRolesAsync(Context ctx)
    {
        foreach (var role in AllRoles)
        {
            if (!await ctx.Roles.RoleExistsAsync(role))
            {
                Check(await ctx.Roles.CreateAsync(new IdentityRole(role)));
            }
        }
    }

    private static string? PrimaryRole(IEnumerable<string?> roles)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        return AllRoles.FirstOrDefault(set.Contains) ?? set.FirstOrDefault();
    }

    /// <summary>For steps that only fail on a bug or a database fault (the inputs were checked before).</summary>
    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private sealed record Context(CollabDbContext Db, UserManager<AppUser> Users, RoleManager<IdentityRole> Roles);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: user {UserName} added with role {Role} by {Operator}")]
    private static partial void LogAdded(ILogger logger, string? userName, string role, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: password of {UserName} set by {Operator}")]
    private static partial void LogPasswordSet(ILogger logger, string? userName, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: role of {UserName} changed to {Role} by {Operator}")]
    private static partial void LogRoleSet(ILogger logger, string? userName, string role, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: user {UserName} disabled by {Operator}")]
    private static partial void LogDisabled(ILogger logger, string? userName, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: user {UserName} enabled by {Operator}")]
    private static partial void LogEnabled(ILogger logger, string? userName, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Security: first admin {UserName} created from Bootstrap settings on an empty user table")]
    private static partial void LogFirstAdmin(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Security: account change by {Operator} refused: not an enabled Admin")]
    private static partial void LogRefusedOperator(ILogger logger, string @operator);
}
