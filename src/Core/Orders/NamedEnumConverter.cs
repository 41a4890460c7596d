using System.Text.Json;
using System.Text.Json.Serialization;

namespace CollabEditor.Core.Orders;

/// <summary>
/// An enum read from JSON only as one of its names: not a number (<c>3</c>) and not a list
/// (<c>"Draft, Submitted"</c>), which the framework's string-enum converter reads as some value.
/// Put on input members; the enum's own <see cref="JsonStringEnumConverter{TEnum}"/> still writes and documents the names.
/// </summary>
public sealed class NamedEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !Enum.GetNames<TEnum>().Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw new JsonException($"Must be one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }

        return Enum.Parse<TEnum>(text, ignoreCase: true);
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
