using System.Collections.Concurrent;
using System.Reflection;
using FluentValidation;
using FluentValidation.Internal;

namespace Marketplace.Api.Infrastructure.OpenApiContract;

/// <summary>
/// What the slices' validators say about a model, read once for the document: the values a field
/// may take (<see cref="IOneOf"/>) and the fields a request cannot leave out (an unconditional
/// NotNull/NotEmpty on a field without a default).
/// </summary>
internal static class Validators
{
    private static readonly Lazy<Dictionary<Type, IValidator>> ByModel = new(Discover);
    private static readonly ConcurrentDictionary<Type, object?> Defaults = new();

    public static bool Has(Type model) => ByModel.Value.ContainsKey(model);

    public static IReadOnlyList<string>? AllowedValues(Type model, string property)
    {
        if (!ByModel.Value.TryGetValue(model, out var validator))
        {
            return null;
        }
        return Components(validator, property).Select(c => c.Validator).OfType<IOneOf>().FirstOrDefault()?.Allowed;
    }

    /// <summary>
    /// Whether leaving the field out is a 400 whatever else is sent: an unconditional rule of the
    /// field fails on a request where it is absent (a new instance: NotEmpty, and also GreaterThan(0)
    /// on an id or InclusiveBetween(1, 5) on a rating), or, for a model without a parameterless
    /// constructor, an unconditional NotNull/NotEmpty.
    /// </summary>
    public static bool Requires(Type model, PropertyInfo property)
    {
        if (!ByModel.Value.TryGetValue(model, out var validator))
        {
            return false;
        }
        var unconditional = Components(validator, property.Name).Where(c => !c.HasCondition && !c.HasAsyncCondition).ToList();
        var absent = Defaults.GetOrAdd(model, NewInstance);
        if (absent is null)
        {
            return unconditional.Any(c => c.Validator.Name is "NotNullValidator" or "NotEmptyValidator") && !HasDefault(model, property);
        }
        var codes = unconditional.Select(c => c.ErrorCode ?? c.Validator.Name).ToHashSet(StringComparer.Ordinal);
        FluentValidation.Results.ValidationResult result;
        try
        {
            result = validator.Validate(new ValidationContext<object>(absent));
        }
        catch (AsyncValidatorInvokedSynchronouslyException)
        {
            return unconditional.Any(c => c.Validator.Name is "NotNullValidator" or "NotEmptyValidator") && !HasDefault(model, property);
        }
        return result.Errors.Any(f => string.Equals(f.PropertyName, property.Name, StringComparison.OrdinalIgnoreCase) && codes.Contains(f.ErrorCode));
    }

    private static object? NewInstance(Type model) => model.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(model);

    /// <summary>A property whose new instance already holds a value (<c>= "service_provider"</c>) may be left out.</summary>
    public static bool HasDefault(Type model, PropertyInfo property)
    {
        var instance = Defaults.GetOrAdd(model, NewInstance);
        if (instance is null || property.GetIndexParameters().Length > 0)
        {
            return false;
        }
        return property.GetValue(instance) switch
        {
            null => false,
            string s => s.Length > 0,
            System.Collections.IEnumerable => false,
            var v when v.GetType().IsValueType => !v.Equals(Activator.CreateInstance(v.GetType())),
            _ => true,
        };
    }

    private static IEnumerable<IRuleComponent> Components(IValidator validator, string property) =>
        // by the member, not GetRulesForMember: that one compares the display name a resolver may have camel-cased
        validator.CreateDescriptor().Rules.Where(r => r.Member?.Name == property).SelectMany(r => r.Components);

    private static Dictionary<Type, IValidator> Discover()
    {
        var found = new Dictionary<Type, IValidator>();
        foreach (var type in typeof(Validators).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && typeof(IValidator).IsAssignableFrom(t)))
        {
            var model = ModelOf(type);
            if (model is not null && type.GetConstructor(Type.EmptyTypes) is not null && !found.ContainsKey(model))
            {
                found[model] = (IValidator)Activator.CreateInstance(type)!;
            }
        }
        return found;
    }

    private static Type? ModelOf(Type validator)
    {
        for (var t = validator.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(AbstractValidator<>))
            {
                return t.GetGenericArguments()[0];
            }
        }
        return null;
    }
}
