namespace CollabEditor.WebApp.Account;

/// <summary>Security log lines of the My account page (never a password).</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Security: {UserName} changed their own password")]
    public static partial void PasswordChanged(ILogger logger, string? userName);
}
