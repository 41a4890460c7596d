namespace CollabEditor.Core.Validation;

/// <summary>One broken rule on one field: the field's name and a sentence a user can act on.</summary>
public sealed record FieldError(string Field, string Message);
