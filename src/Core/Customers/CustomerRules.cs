using System.Text.RegularExpressions;
using CollabEditor.Core.Validation;

namespace CollabEditor.Core.Customers;

/// <summary>Validation rules for a customer. Every message names the field and the rule.</summary>
public static partial class CustomerRules
{
    public const int NameMaxLength = 200;
    public const int EmailMaxLength = 254;
    public const int PhoneMaxLength = 32;
    public const int AddressMaxLength = 1000;
    public const int NotesMaxLength = 4000;

    /// <summary>Checks normalized values and returns every broken rule (empty when valid). Only the name is required.</summary>
    public static IReadOnlyList<FieldError> Validate(CustomerValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Normalized();
        var errors = new List<FieldError>();
        if (v.Name.Length == 0)
        {
            errors.Add(new(nameof(v.Name), "Name is required."));
        }

        foreach (var (field, label, text, max, multiLine) in new[]
        {
            (nameof(v.Name), "Name", v.Name, NameMaxLength, false), (nameof(v.Email), "Email", v.Email, EmailMaxLength, false),
            (nameof(v.Phone), "Phone", v.Phone, PhoneMaxLength, false), (nameof(v.Address), "Address", v.Address, AddressMaxLength, true),
            (nameof(v.Notes), "Notes", v.Notes, NotesMaxLength, true),
        })
        {
            if (text.Length > max)
            {
                errors.Add(new(field, $"{label} must be at most {max} characters."));
            }
            else if (TextRules.HasControlCharacters(text, multiLine))
            {
                errors.Add(new(field, $"{label} must not contain control characters."));
            }
        }

        if (v.Email.Length is > 0 and <= EmailMaxLength && !EmailPattern().IsMatch(v.Email))
        {
            errors.Add(new(nameof(v.Email), "Email must look like name@example.com."));
        }

        if (v.Phone.Length is > 0 and <= PhoneMaxLength && (!PhonePattern().IsMatch(v.Phone) || v.Phone.Count(char.IsAsciiDigit) < 5))
        {
            errors.Add(new(nameof(v.Phone), "Phone may contain only digits, spaces, dashes, dots, parentheses and a leading +, with at least 5 digits."));
        }

        return errors;
    }

    // Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not a format question.
    [GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9 ()./-]+$")]
    private static partial Regex PhonePattern();
}
