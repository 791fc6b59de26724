using System.Text.Json.Nodes;

namespace Marketplace.Api.Infrastructure.OpenApiContract;

/// <summary>
/// An example built from a schema, for the operations whose endpoint gives none (an endpoint's own
/// <c>s.ExampleRequest</c> / <c>s.ResponseExamples</c> always win). It obeys the schema: the first
/// enum value, the format's shape, minimum and maximum, every required field and every optional one.
/// </summary>
internal static class Examples
{
    private const int MaxDepth = 24;

    /// <summary>Values tried, in order, for a string whose pattern the plain example does not match.</summary>
    private static readonly string[] PatternSamples = ["US", "+1 512 555 0100", "09:00", "dog-grooming", "abc", "42"];

    public static JsonNode? For(JsonNode? schema, JsonObject schemas) => Build(schema, schemas, "", 0);

    private static JsonNode? Build(JsonNode? node, JsonObject schemas, string name, int depth)
    {
        if (node is not JsonObject schema || depth > MaxDepth)
        {
            return null;
        }
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            return Build(schemas[reference[(reference.LastIndexOf('/') + 1)..]], schemas, name, depth + 1);
        }
        if (schema["allOf"] is JsonArray { Count: > 0 } all)
        {
            return Build(all[0], schemas, name, depth + 1);
        }
        if (schema["example"] is { } given)
        {
            return given.DeepClone();
        }
        if (schema["enum"] is JsonArray { Count: > 0 } values)
        {
            return values[0]!.DeepClone();
        }
        var type = schema["type"]?.GetValue<string>();
        switch (type)
        {
            case "object" or null when schema["properties"] is JsonObject properties:
                var result = new JsonObject();
                foreach (var (property, propertySchema) in properties)
                {
                    result[property] = Build(propertySchema, schemas, property, depth + 1);
                }
                return result;
            case "object" or null when schema["additionalProperties"] is JsonObject values2:
                return new JsonObject { ["key"] = Build(values2, schemas, "key", depth + 1) };
            case "object" or null:
                return new JsonObject();
            case "array":
                var item = Build(schema["items"], schemas, name, depth + 1);
                return item is null ? new JsonArray() : new JsonArray(item);
            case "boolean":
                return false;
            case "integer" or "number":
                return Number(schema, name);
            default:
                return Text(schema, name);
        }
    }

    private static JsonNode Number(JsonObject schema, string name)
    {
        var minimum = Double(schema["minimum"]);
        var maximum = Double(schema["maximum"]);
        var exclusive = schema["exclusiveMinimum"]?.GetValue<bool>() == true;
        double value = name.EndsWith("Cents", StringComparison.Ordinal) ? 12500 : name.EndsWith("Id", StringComparison.Ordinal) || name == "id" ? 42 : 1;
        if (minimum is { } min && (value < min || (exclusive && value <= min)))
        {
            value = exclusive ? min + 1 : min;
        }
        if (maximum is { } max && value > max)
        {
            value = max;
        }
        return schema["type"]?.GetValue<string>() == "integer" ? JsonValue.Create((long)value) : JsonValue.Create(value);
    }

    private static double? Double(JsonNode? node) =>
        node is null ? null : double.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private static JsonNode Text(JsonObject schema, string name)
    {
        var text = schema["format"]?.GetValue<string>() switch
        {
            "date-time" => "2026-11-26T15:00:00Z",
            "date" => "2026-11-26",
            "email" => "ada@example.com",
            "uri" or "url" => "https://example.com/",
            "uuid" or "guid" => "3f2b8a61-5d0e-4c5e-9a3c-2f1e6b7c8d90",
            "int64" or "int32" => "42",
            _ => name switch
            {
                "email" or "publicEmail" => "ada@example.com",
                "slug" => "dog-grooming-in-austin-7k2f",
                "currency" => "usd",
                "country" => "US",
                "phone" or "publicPhone" => "+1 512 555 0100",
                "open" => "09:00",
                "close" => "17:00",
                _ when name.EndsWith("Url", StringComparison.Ordinal) || name == "website" => "https://example.com/",
                _ => "string",
            },
        };
        if (schema["pattern"]?.GetValue<string>() is { } pattern && !System.Text.RegularExpressions.Regex.IsMatch(text, pattern))
        {
            text = PatternSamples.FirstOrDefault(sample => System.Text.RegularExpressions.Regex.IsMatch(sample, pattern)) ?? text;
        }
        var minLength = schema["minLength"]?.GetValue<int>() ?? 0;
        var maxLength = schema["maxLength"]?.GetValue<int>();
        if (text.Length < minLength)
        {
            text = text.PadRight(minLength, 'x');
        }
        if (maxLength is { } max && text.Length > max)
        {
            text = text[..max];
        }
        return JsonValue.Create(text);
    }
}
