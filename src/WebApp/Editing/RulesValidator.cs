using CollabEditor.Core.Validation;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace CollabEditor.WebApp.Editing;

/// <summary>
/// Plugs the Core rules into an <see cref="EditForm"/>: messages appear on the fields as the user
/// types and on submit, and errors the server returns (a duplicate SKU) can be shown the same way.
/// </summary>
public sealed class RulesValidator : ComponentBase, IDisposable
{
    private ValidationMessageStore? _messages;
    private EditContext? _subscribed;

    [CascadingParameter]
    private EditContext? EditContext { get; set; }

    /// <summary>Runs the rules on the current model.</summary>
    [Parameter, EditorRequired]
    public Func<IReadOnlyList<FieldError>> Validate { get; set; } = default!;

    /// <summary>
    /// Fields whose text is not a value at all ("12,5x" in a number box): the box keeps the text, the
    /// model holds no usable value, so the form is invalid until the text is fixed.
    /// </summary>
    [Parameter]
    public Func<IEnumerable<FieldError>>? Unparsed { get; set; }

    private IEnumerable<FieldError> Problems() => Unparsed is null ? Validate() : Unparsed().Concat(Validate());

    protected override void OnParametersSet()
    {
        if (EditContext is null)
        {
            throw new InvalidOperationException($"{nameof(RulesValidator)} must be placed inside an EditForm.");
        }

        if (!ReferenceEquals(EditContext, _subscribed))
        {
            Unsubscribe();
            _messages = new ValidationMessageStore(EditContext);
            EditContext.OnValidationRequested += OnValidationRequested;
            EditContext.OnFieldChanged += OnFieldChanged;
            _subscribed = EditContext;
        }
    }

    /// <summary>Shows errors decided elsewhere (the server) on their fields.</summary>
    public void Show(IEnumerable<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (_subscribed is null || _messages is null)
        {
            return;
        }

        _messages.Clear();
        foreach (var error in errors)
        {
            _messages.Add(_subscribed.Field(error.Field), error.Message);
        }

        _subscribed.NotifyValidationStateChanged();
    }

    private void OnValidationRequested(object? sender, ValidationRequestedEventArgs e) => Show(Problems());

    private void OnFieldChanged(object? sender, FieldChangedEventArgs e)
    {
        if (_messages is null || _subscribed is null)
        {
            return;
        }

        _messages.Clear(e.FieldIdentifier);
        foreach (var error in Problems().Where(x => x.Field == e.FieldIdentifier.FieldName).Take(1))
        {
            _messages.Add(e.FieldIdentifier, error.Message);
        }

        _subscribed.NotifyValidationStateChanged();
    }

    private void Unsubscribe()
    {
        if (_subscribed is not null)
        {
            _subscribed.OnValidationRequested -= OnValidationRequested;
            _subscribed.OnFieldChanged -= OnFieldChanged;
            _messages?.Clear();
        }
    }

    public void Dispose() => Unsubscribe();
}
