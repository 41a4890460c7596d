using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CollabEditor.Data.Startup;

/// <summary>
/// Options bound from a configuration section and checked by their data annotations, with messages
/// that name the setting as an operator writes it ("Leases:Ttl must be between … (is -5.00:00:00)"),
/// not the class. Checked when the start-up calls <see cref="IStartupValidator"/>, before the database.
/// </summary>
public static class SettingsValidation
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it at start.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>The problems of <paramref name="options"/>, each naming its setting; empty when valid.</summary>
    public static IReadOnlyList<string> Check(object options, string section)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributes<ValidationAttribute>().ToList();
            if (attributes.Count == 0)
            {
                continue;
            }

            var value = property.GetValue(options);
            var setting = $"{section}:{property.Name}";
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = setting };
            foreach (var attribute in attributes)
            {
                if (attribute.GetValidationResult(value, context) is { ErrorMessage: { } message })
                {
                    problems.Add($"{message.TrimEnd('.')} (is {Format(value)}).");
                }
            }
        }

        // Rules between settings only once each setting is right on its own (as Validator.TryValidateObject does).
        if (problems.Count == 0 && options is IValidatableObject whole)
        {
            problems.AddRange(whole.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? $"{section} is not valid."));
        }

        return problems;
    }

    private static string Format(object? value) => value switch
    {
        null => "empty",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options) =>
            Check(options, section) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
