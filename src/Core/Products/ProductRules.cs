using System.Globalization;
using System.Text.RegularExpressions;
using CollabEditor.Core.Validation;

namespace CollabEditor.Core.Products;

/// <summary>Validation rules for a product. Every message names the field and the rule.</summary>
public static partial class ProductRules
{
    public const int SkuMaxLength = 32;
    public const int NameMaxLength = 200;
    public const int DescriptionMaxLength = 4000;
    public const decimal PriceMax = 1_000_000_000m;

    /// <summary>Checks normalized values and returns every broken rule (empty when valid).</summary>
    public static IReadOnlyList<FieldError> Validate(ProductValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Normalized();
        var errors = new List<FieldError>();

        if (v.Sku.Length == 0)
        {
            errors.Add(new(nameof(v.Sku), "SKU is required."));
        }
        else if (v.Sku.Length > SkuMaxLength)
        {
            errors.Add(new(nameof(v.Sku), $"SKU must be at most {SkuMaxLength} characters."));
        }
        else if (!SkuPattern().IsMatch(v.Sku))
        {
            errors.Add(new(nameof(v.Sku), "SKU may contain only letters, digits and dashes."));
        }

        if (v.Name.Length == 0)
        {
            errors.Add(new(nameof(v.Name), "Name is required."));
        }
        else if (v.Name.Length > NameMaxLength)
        {
            errors.Add(new(nameof(v.Name), $"Name must be at most {NameMaxLength} characters."));
        }

        if (v.Description.Length > DescriptionMaxLength)
        {
            errors.Add(new(nameof(v.Description), $"Description must be at most {DescriptionMaxLength} characters."));
        }

        foreach (var (field, label, text, multiLine) in new[] { (nameof(v.Sku), "SKU", v.Sku, false), (nameof(v.Name), "Name", v.Name, false), (nameof(v.Description), "Description", v.Description, true) })
        {
            if (TextRules.HasControlCharacters(text, multiLine))
            {
                errors.Add(new(field, $"{label} must not contain control characters."));
            }
        }

        if (v.Price < 0)
        {
            errors.Add(new(nameof(v.Price), "Price must be 0 or more."));
        }
        else if (v.Price > PriceMax)
        {
            errors.Add(new(nameof(v.Price), string.Create(CultureInfo.InvariantCulture, $"Price must be at most {PriceMax:N0}.")));
        }
        else if (decimal.Round(v.Price, 2) != v.Price)
        {
            errors.Add(new(nameof(v.Price), "Price must have at most two decimals."));
        }

        if (v.Stock < 0)
        {
            errors.Add(new(nameof(v.Stock), "Stock must be 0 or more."));
        }

        return errors;
    }

    [GeneratedRegex("^[A-Z0-9]+(-[A-Z0-9]+)*$")]
    private static partial Regex SkuPattern();
}
