namespace CollabEditor.Data.Startup;

/// <summary>A start that cannot go on for a reason an operator can fix; its message is the one line they see.</summary>
public class StartupException : Exception
{
    public StartupException()
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
