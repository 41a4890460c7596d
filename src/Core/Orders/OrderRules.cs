using System.Globalization;
using CollabEditor.Core.Validation;

namespace CollabEditor.Core.Orders;

/// <summary>Validation and status rules for orders. Every message names the field and the rule.</summary>
public static class OrderRules
{
    public const int CustomerMaxLength = 200;
    public const int NotesMaxLength = 2000;
    public const int QuantityMax = 1_000_000;
    public const decimal UnitPriceMax = 1_000_000_000m;
    public const int LinesMax = 2000;

    private static readonly Dictionary<OrderStatus, OrderStatus[]> Allowed = new()
    {
        [OrderStatus.Draft] = [OrderStatus.Submitted, OrderStatus.Cancelled],
        [OrderStatus.Submitted] = [OrderStatus.Draft, OrderStatus.Fulfilled, OrderStatus.Cancelled],
        [OrderStatus.Fulfilled] = [],
        [OrderStatus.Cancelled] = [],
    };

    /// <summary>Fulfilled and cancelled orders cannot be changed at all.</summary>
    public static bool IsReadOnly(OrderStatus status) => status is OrderStatus.Fulfilled or OrderStatus.Cancelled;

    /// <summary>The statuses an order may move to from <paramref name="from"/>.</summary>
    public static IReadOnlyList<OrderStatus> NextStatuses(OrderStatus from) => Allowed[from];

    /// <summary>Checks a change from what is saved to what is wanted: status transition, read-only states, then the values.</summary>
    public static IReadOnlyList<FieldError> ValidateChange(OrderValues saved, OrderValues wanted)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(wanted);
        if (IsReadOnly(saved.Header.Status))
        {
            return [new FieldError("Status", $"The order is {saved.Header.Status.ToString().ToLowerInvariant()} and can no longer be changed.")];
        }

        var errors = new List<FieldError>();
        var from = saved.Header.Status;
        var to = wanted.Header.Status;
        if (from != to && !Allowed[from].Contains(to))
        {
            errors.Add(new("Status", $"Status cannot change from {from} to {to}; allowed: {(Allowed[from].Length == 0 ? "none" : string.Join(", ", Allowed[from]))}."));
        }

        errors.AddRange(Validate(wanted));
        return errors;
    }

    /// <summary>Checks the values on their own.</summary>
    public static IReadOnlyList<FieldError> Validate(OrderValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var errors = new List<FieldError>();
        var h = values.Header.Normalized();
        if (h.CustomerName.Length == 0)
        {
            errors.Add(new("CustomerName", "Customer is required."));
        }
        else if (h.CustomerName.Length > CustomerMaxLength)
        {
            errors.Add(new("CustomerName", $"Customer must be at most {CustomerMaxLength} characters."));
        }

        if (h.Notes.Length > NotesMaxLength)
        {
            errors.Add(new("Notes", $"Notes must be at most {NotesMaxLength} characters."));
        }

        if (TextRules.HasControlCharacters(h.CustomerName))
        {
            errors.Add(new("CustomerName", "Customer must not contain control characters."));
        }

        if (TextRules.HasControlCharacters(h.Notes, multiLine: true))
        {
            errors.Add(new("Notes", "Notes must not contain control characters."));
        }

        if (!Enum.IsDefined(h.Status))
        {
            errors.Add(new("Status", "Status must be one of Draft, Submitted, Fulfilled, Cancelled."));
        }

        if (h.Status is OrderStatus.Submitted or OrderStatus.Fulfilled && values.Lines.Count == 0)
        {
            errors.Add(new("Lines", $"An order needs at least one line to be {h.Status.ToString().ToLowerInvariant()}."));
        }

        if (values.Lines.Count > LinesMax)
        {
            errors.Add(new("Lines", $"An order can have at most {LinesMax} lines."));
        }

        if (values.Lines.Select(l => l.LineId).Distinct().Count() != values.Lines.Count)
        {
            errors.Add(new("Lines", "Each line must have its own id."));
        }

        for (var i = 0; i < values.Lines.Count; i++)
        {
            var line = values.Lines[i];
            var name = $"Lines[{i}]";
            if (line.ProductId <= 0)
            {
                errors.Add(new($"{name}.ProductId", $"Line {i + 1}: a product is required."));
            }

            if (string.IsNullOrWhiteSpace(line.Sku) || line.Sku.Length > Products.ProductRules.SkuMaxLength || TextRules.HasControlCharacters(line.Sku) || TextRules.HasControlCharacters(line.ProductName))
            {
                errors.Add(new($"{name}.Sku", $"Line {i + 1}: SKU is required and must be at most {Products.ProductRules.SkuMaxLength} characters."));
            }

            if (line.ProductName is null || line.ProductName.Length > Products.ProductRules.NameMaxLength)
            {
                errors.Add(new($"{name}.ProductName", $"Line {i + 1}: product name must be at most {Products.ProductRules.NameMaxLength} characters."));
            }

            if (line.Quantity <= 0)
            {
                errors.Add(new($"{name}.Quantity", $"Line {i + 1}: quantity must be more than 0."));
            }
            else if (line.Quantity > QuantityMax)
            {
                errors.Add(new($"{name}.Quantity", string.Create(CultureInfo.InvariantCulture, $"Line {i + 1}: quantity must be at most {QuantityMax:N0}.")));
            }

            if (line.UnitPrice < 0)
            {
                errors.Add(new($"{name}.UnitPrice", $"Line {i + 1}: unit price must be 0 or more."));
            }
            else if (line.UnitPrice > UnitPriceMax || decimal.Round(line.UnitPrice, 2) != line.UnitPrice)
            {
                errors.Add(new($"{name}.UnitPrice", string.Create(CultureInfo.InvariantCulture, $"Line {i + 1}: unit price must have at most two decimals and be at most {UnitPriceMax:N0}.")));
            }
        }

        return errors;
    }
}
