using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// A field of a PATCH body that tells "absent" (leave unchanged) from an explicit <c>null</c>
/// (clear it), as JSON Merge Patch (RFC 7396) reads a body. Document it in OpenAPI as its value
/// type with <c>[JsonSchemaType(typeof(T), IsNullable = true)]</c> on the property.
/// </summary>
[JsonConverter(typeof(OptionalJsonConverterFactory))]
public readonly struct Optional<T>
{
    public Optional(T value)
    {
        Value = value;
        IsSet = true;
    }

    /// <summary>The field was in the body (possibly as null).</summary>
    public bool IsSet { get; }

    public T Value { get; }
}

internal sealed class OptionalJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Optional<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionalJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class OptionalJsonConverter<T> : JsonConverter<Optional<T>>
    {
        // called for a JSON null too, so that null becomes "set to null" rather than "absent"
        public override bool HandleNull => true;

        public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null
                ? new Optional<T>(default!)
                : new Optional<T>(JsonSerializer.Deserialize<T>(ref reader, options)!);

        public override void Write(Utf8JsonWriter writer, Optional<T> value, JsonSerializerOptions options)
        {
            if (value.IsSet)
            {
                JsonSerializer.Serialize(writer, value.Value, options);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}

/// <summary>Validator rules for optional text fields: they apply only when the field is set to a value.</summary>
public static class OptionalRules
{
    public static IRuleBuilderOptions<T, Optional<string?>> MaxLength<T>(this IRuleBuilder<T, Optional<string?>> rule, int max) =>
        rule.Must(o => !o.IsSet || o.Value is null || o.Value.Trim().Length <= max)
            .WithMessage($"At most {max} characters.");

    public static IRuleBuilderOptions<T, Optional<string?>> Pattern<T>(this IRuleBuilder<T, Optional<string?>> rule, string pattern, string message) =>
        rule.Must(o => !o.IsSet || string.IsNullOrWhiteSpace(o.Value) || System.Text.RegularExpressions.Regex.IsMatch(o.Value.Trim(), pattern))
            .WithMessage(message);
}
