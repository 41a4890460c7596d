namespace CollabEditor.Data.LocalPostgres;

/// <summary>The local cluster cannot be started; the message says what to install or configure.</summary>
public sealed class LocalPostgresUnavailableException : Exception
{
    public LocalPostgresUnavailableException()
    {
    }

    public LocalPostgresUnavailableException(string message)
        : base(message)
    {
    }

    public LocalPostgresUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
