namespace CollabEditor.Core.Validation;

/// <summary>Rules every stored text shares.</summary>
public static class TextRules
{
    /// <summary>
    /// True when <paramref name="text"/> holds control characters (NUL cannot even be stored in
    /// PostgreSQL text); line breaks and tabs are allowed in multi-line fields.
    /// </summary>
    public static bool HasControlCharacters(string? text, bool multiLine = false) =>
        text is not null && text.Any(c => char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'));
}
