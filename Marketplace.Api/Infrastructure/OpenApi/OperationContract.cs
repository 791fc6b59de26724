using System.Text.Json;
using FastEndpoints;
using Microsoft.AspNetCore.RateLimiting;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;

namespace Marketplace.Api.Infrastructure.OpenApiContract;

/// <summary>
/// What every operation gets from its endpoint's code, so a new slice complies without extra work:
/// its tag (the feature folder: Features/SavedListings/List is "Saved listings"; under
/// Features/Integrations and Features/Admin the sub-folder names it), the enum of its enumerated
/// query and path parameters (the request validator's <c>OneOf</c>), and a marker for the
/// rate-limited ones (their 429 is added by <see cref="DocumentContract"/>) and the ones hashing
/// passwords (their 503 also names <c>busy</c>).
/// </summary>
internal sealed class OperationContract : IOperationProcessor
{
    public const string RateLimited = "x-rate-limited";
    public const string OptionalBearerMarker = "x-optional-bearer";
    public const string HashesPasswords = "x-hashes-passwords";
    private const string FeaturePrefix = "Marketplace.Api.Features.";

    public bool Process(OperationProcessorContext context)
    {
        if (context is not AspNetCoreOperationProcessorContext aspNet)
        {
            return true;
        }
        var operation = context.OperationDescription.Operation;
        var metadata = aspNet.ApiDescription.ActionDescriptor.EndpointMetadata;
        var definition = metadata.OfType<EndpointDefinition>().FirstOrDefault();
        if (definition is not null && operation.Tags.Count == 0 && Tag(definition.EndpointType) is { } tag)
        {
            operation.Tags.Add(tag);
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            operation.ExtensionData ??= new Dictionary<string, object?>();
            operation.ExtensionData[RateLimited] = true;
        }
        // an endpoint that takes Passwords waits for a hashing slot, and may answer 503 busy past the queue
        if (definition is not null && definition.EndpointType.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(Passwords))))
        {
            operation.ExtensionData ??= new Dictionary<string, object?>();
            operation.ExtensionData[HashesPasswords] = true;
        }
        if (metadata.OfType<OptionalBearer>().Any())
        {
            operation.ExtensionData ??= new Dictionary<string, object?>();
            operation.ExtensionData[OptionalBearerMarker] = true;
        }
        var request = definition?.ReqDtoType;
        if (request is not null && request != typeof(EmptyRequest))
        {
            foreach (var parameter in operation.Parameters.Where(p => p.Kind is NSwag.OpenApiParameterKind.Query or NSwag.OpenApiParameterKind.Path))
            {
                var property = request.GetProperties().FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                var values = property is null ? null : Validators.AllowedValues(request, property.Name);
                if (values is not null)
                {
                    var schema = parameter.Schema ?? parameter;
                    schema.Enumeration.Clear();
                    foreach (var value in values)
                    {
                        schema.Enumeration.Add(value);
                    }
                }
            }
        }
        return true;
    }

    /// <summary>Features.SavedListings.List -> "Saved listings"; Features.Integrations.Events.List -> "Events".</summary>
    public static string? Tag(Type endpoint)
    {
        var ns = endpoint.Namespace ?? "";
        if (!ns.StartsWith(FeaturePrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = ns[FeaturePrefix.Length..].Split('.');
        var area = parts[0] is "Integrations" && parts.Length > 1 ? parts[1] : parts[0];
        return Words(area);
    }

    private static string Words(string pascal)
    {
        var words = System.Text.RegularExpressions.Regex.Split(pascal, "(?<=[a-z0-9])(?=[A-Z])");
        return string.Join(' ', words.Select((w, i) => i == 0 ? w : (w.Length > 1 && w.All(char.IsUpper) ? w : JsonNamingPolicy.CamelCase.ConvertName(w))));
    }
}
