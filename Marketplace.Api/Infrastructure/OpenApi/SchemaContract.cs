using System.Reflection;
using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Generation;

namespace Marketplace.Api.Infrastructure.OpenApiContract;

/// <summary>
/// Per model type: the <c>enum</c> of every enumerated string (the validator's <c>OneOf</c>, else a
/// <see cref="OneOfAttribute"/>), and which fields a request must send (<c>x-request-required</c>,
/// resolved by <see cref="DocumentContract"/> once it knows whether the schema is a request or a response).
/// </summary>
internal sealed class SchemaContract : ISchemaProcessor
{
    public const string RequestRequired = "x-request-required";

    public void Process(SchemaProcessorContext context)
    {
        var type = context.ContextualType.Type;
        var schema = context.Schema.ActualSchema;
        if (schema.Properties.Count == 0 || type.Namespace?.StartsWith("Marketplace.Api", StringComparison.Ordinal) != true)
        {
            return;
        }
        if (type.GetCustomAttributes(typeof(OpenShapeAttribute), inherit: false).Length > 0)
        {
            schema.AllowAdditionalProperties = true;
        }
        var required = new List<string>();
        foreach (var (name, property) in schema.Properties)
        {
            var member = Member(type, name);
            if (member is null)
            {
                continue;
            }
            var values = Validators.AllowedValues(type, member.Name) ?? Attribute(type, member)?.Values;
            if (values is not null)
            {
                var target = property.Type.HasFlag(JsonObjectType.Array) && property.Item is not null ? property.Item : property;
                target.Enumeration.Clear();
                foreach (var value in values)
                {
                    target.Enumeration.Add(value);
                }
            }
            var mustSend = Validators.Has(type)
                ? Validators.Requires(type, member)
                : !property.IsNullable(SchemaType.OpenApi3) && !member.PropertyType.IsValueType && !Validators.HasDefault(type, member);
            if (mustSend)
            {
                required.Add(name);
            }
        }
        schema.ExtensionData ??= new Dictionary<string, object?>();
        schema.ExtensionData[RequestRequired] = required;
    }

    private static PropertyInfo? Member(Type type, string jsonName) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => (p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name
                ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name)) == jsonName);

    /// <summary>On the property, or on the record's constructor parameter it came from.</summary>
    private static OneOfAttribute? Attribute(Type type, PropertyInfo member) =>
        member.GetCustomAttribute<OneOfAttribute>()
        ?? type.GetConstructors().SelectMany(c => c.GetParameters())
            .FirstOrDefault(p => p.Name == member.Name && p.ParameterType == member.PropertyType)?.GetCustomAttribute<OneOfAttribute>();
}
