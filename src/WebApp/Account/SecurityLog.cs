using System.Net;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// The security log: one line per sign-in outcome and per account change, with the user and the client
/// address, never a password. Category <see cref="Category"/>, so operators can route or keep it apart.
/// </summary>
public sealed partial class SecurityLog(ILoggerFactory loggers)
{
    /// <summary>The logger category of every line here.</summary>
    public const string Category = "CollabEditor.Security";

    private const int MaxNameLength = 100;

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    /// <summary>A user name as it may be logged, made printable only when a line is written.</summary>
    public readonly record struct LoggedName(string? Value)
    {
        public override string ToString() => Printable(Value);
    }

    /// <summary>A user name as it may be logged: control characters (forged log lines) escaped, length capped.</summary>
    public static string Printable(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "(none)";
        }

        var shown = name.Length > MaxNameLength ? name[..MaxNameLength] + "…" : name;
        return shown.Any(char.IsControl)
            ? string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : shown;
    }

    /// <summary>The address to log for a request: the client's (after forwarded headers), or "local" for CLI and background work.</summary>
    public static string AddressOf(HttpContext? http) => ClientAddress.Of(http)?.ToString() ?? "local";

    // Sign-in. "via" is "page" or "token".
    public void SignInSucceeded(string? userName, string clientAddress, string via) =>
        LogSignInSucceeded(new LoggedName(userName), clientAddress, via);

    /// <param name="reason">For operators only, never shown to the client: "unknown user", "wrong password", "not allowed".</param>
    public void SignInFailed(string? userName, string clientAddress, string via, string reason) =>
        LogSignInFailed(new LoggedName(userName), clientAddress, via, reason);

    /// <param name="justLocked">True when this attempt reached the threshold; false for an attempt on an account already locked.</param>
    public void SignInLockedOut(string? userName, string clientAddress, string via, bool justLocked) =>
        LogSignInLockedOut(new LoggedName(userName), clientAddress, via, justLocked);

    /// <param name="limit">Which limit refused it: "address" or "user name".</param>
    public void SignInRateLimited(string? userName, string clientAddress, string via, string limit, TimeSpan retryAfter) =>
        LogSignInRateLimited(new LoggedName(userName), clientAddress, via, limit, retryAfter);

    public void SignedOut(string? userName, string clientAddress) =>
        LogSignedOut(new LoggedName(userName), clientAddress);

    // Account changes, called by the Users page, My account and the CLI. "by" is the acting admin (or "cli").
    public void UserAdded(string userName, string role, string by, string clientAddress) =>
        LogUserAdded(new LoggedName(userName), role, new LoggedName(by), clientAddress);

    public void UserDisabled(string userName, string by, string clientAddress) =>
        LogUserDisabled(new LoggedName(userName), new LoggedName(by), clientAddress);

    public void UserEnabled(string userName, string by, string clientAddress) =>
        LogUserEnabled(new LoggedName(userName), new LoggedName(by), clientAddress);

    public void RoleChanged(string userName, string? oldRole, string newRole, string by, string clientAddress) =>
        LogRoleChanged(new LoggedName(userName), oldRole, newRole, new LoggedName(by), clientAddress);

    public void PasswordChanged(string userName, string by, string clientAddress) =>
        LogPasswordChanged(new LoggedName(userName), new LoggedName(by), clientAddress);

    [LoggerMessage(EventId = 1320, EventName = "KeyRingUnprotected", Level = LogLevel.Warning,
        Message = "The data-protection key ring is stored in the database unencrypted: anyone with a backup can forge any user's cookie. Configure {Section}:Path (and Password, or KeyPath for PEM).")]
    public partial void KeyRingUnprotected(string section);

    [LoggerMessage(EventId = 1300, EventName = "SignInSucceeded", Level = LogLevel.Information, Message = "Sign-in succeeded: user {UserName} from {ClientAddress} ({Via})")]
    private partial void LogSignInSucceeded(LoggedName userName, string clientAddress, string via);

    [LoggerMessage(EventId = 1301, EventName = "SignInFailed", Level = LogLevel.Warning, Message = "Sign-in failed: user {UserName} from {ClientAddress} ({Via}): {Reason}")]
    private partial void LogSignInFailed(LoggedName userName, string clientAddress, string via, string reason);

    [LoggerMessage(EventId = 1302, EventName = "SignInLockedOut", Level = LogLevel.Warning, Message = "Sign-in refused, account locked: user {UserName} from {ClientAddress} ({Via}), locked by this attempt: {JustLocked}")]
    private partial void LogSignInLockedOut(LoggedName userName, string clientAddress, string via, bool justLocked);

    [LoggerMessage(EventId = 1303, EventName = "SignInRateLimited", Level = LogLevel.Warning, Message = "Sign-in rate limited by {Limit}: user {UserName} from {ClientAddress} ({Via}), retry after {RetryAfter}")]
    private partial void LogSignInRateLimited(LoggedName userName, string clientAddress, string via, string limit, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1304, EventName = "SignedOut", Level = LogLevel.Information, Message = "Signed out: user {UserName} from {ClientAddress}")]
    private partial void LogSignedOut(LoggedName userName, string clientAddress);

    [LoggerMessage(EventId = 1310, EventName = "UserAdded", Level = LogLevel.Information, Message = "User added: {UserName} as {Role} by {By} from {ClientAddress}")]
    private partial void LogUserAdded(LoggedName userName, string role, LoggedName by, string clientAddress);

    [LoggerMessage(EventId = 1311, EventName = "UserDisabled", Level = LogLevel.Information, Message = "User disabled: {UserName} by {By} from {ClientAddress}")]
    private partial void LogUserDisabled(LoggedName userName, LoggedName by, string clientAddress);

    [LoggerMessage(EventId = 1312, EventName = "UserEnabled", Level = LogLevel.Information, Message = "User enabled: {UserName} by {By} from {ClientAddress}")]
    private partial void LogUserEnabled(LoggedName userName, LoggedName by, string clientAddress);

    [LoggerMessage(EventId = 1313, EventName = "RoleChanged", Level = LogLevel.Information, Message = "Role changed: {UserName} from {OldRole} to {NewRole} by {By} from {ClientAddress}")]
    private partial void LogRoleChanged(LoggedName userName, string? oldRole, string newRole, LoggedName by, string clientAddress);

    [LoggerMessage(EventId = 1314, EventName = "PasswordChanged", Level = LogLevel.Information, Message = "Password changed: {UserName} by {By} from {ClientAddress}")]
    private partial void LogPasswordChanged(LoggedName userName, LoggedName by, string clientAddress);
}

/// <summary>The client's address as the app sees it (after forwarded headers): IPv4-mapped IPv6 shown as IPv4.</summary>
public static class ClientAddress
{
    public static IPAddress? Of(HttpContext? http)
    {
        var address = http?.Connection.RemoteIpAddress;
        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }
}
