using FastEndpoints.Swagger;
using NJsonSchema.Generation;
using Scalar.AspNetCore;

namespace Marketplace.Api.Infrastructure;

internal static class OpenApi
{
    public const string DocumentPath = "/openapi/{documentName}.json";

    public static IServiceCollection AddMarketplaceOpenApi(this IServiceCollection services) =>
        services.SwaggerDocument(o =>
        {
            o.ShortSchemaNames = false;
            o.AutoTagPathSegmentIndex = 0;
            o.DocumentSettings = s =>
            {
                s.DocumentName = "v1";
                s.Title = "Marketplace API";
                s.Version = "v1";
                s.Description = "REST API of the pet-services marketplace. Money is in integer minor units (fields ending in Cents); "
                    + "times are ISO-8601 UTC; errors are RFC 9457 problem details with a stable `code`.";
                s.SchemaSettings.SchemaNameGenerator = new SliceSchemaNames();
                s.DocumentProcessors.Add(new ProblemSchemaProcessor());
                s.OperationProcessors.Add(new IdempotencyKeyParameter());
            };
        });

    public static WebApplication UseMarketplaceOpenApi(this WebApplication app)
    {
        app.UseOpenApi(c => c.Path = DocumentPath);
        app.MapScalarApiReference("/docs", o => o
            .WithTitle("Marketplace API")
            .WithOpenApiRoutePattern(DocumentPath));
        return app;
    }

    /// <summary>
    /// Documents every application/problem+json answer with the shape the API really sends
    /// (<see cref="Problem"/>), and names operations by their slice (AuthMe, ListingsPublish).
    /// </summary>
    private sealed class ProblemSchemaProcessor : NSwag.Generation.Processors.IDocumentProcessor
    {
        public void Process(NSwag.Generation.Processors.Contexts.DocumentProcessorContext context)
        {
            var problem = context.SchemaGenerator.Generate(typeof(Problem), context.SchemaResolver);
            foreach (var operation in context.Document.Operations)
            {
                operation.Operation.OperationId = operation.Operation.OperationId?
                    .Replace("MarketplaceApiFeatures", "", StringComparison.Ordinal)
                    .Replace("Endpoint", "", StringComparison.Ordinal);
                foreach (var response in operation.Operation.Responses.Values)
                {
                    if (response.Content.TryGetValue("application/problem+json", out var media))
                    {
                        media.Schema = new NJsonSchema.JsonSchema { Reference = problem.HasReference ? problem.Reference : problem };
                    }
                }
            }
            context.Document.Components.Schemas.Remove("ProblemDetails");
            context.Document.Components.Schemas.Remove("ProblemDetailsError");
        }
    }

    /// <summary>
    /// Every slice names its models Request/Response; the schema name carries the feature instead
    /// (Marketplace.Api.Features.Auth.Register.Request becomes AuthRegisterRequest).
    /// </summary>
    private sealed class SliceSchemaNames : ISchemaNameGenerator
    {
        private const string FeaturePrefix = "Marketplace.Api.Features.";

        public string Generate(Type type)
        {
            var name = type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] : type.Name;
            if (type.IsGenericType)
            {
                name += "Of" + string.Concat(type.GetGenericArguments().Select(Generate));
            }
            var ns = type.Namespace ?? "";
            if (ns.StartsWith(FeaturePrefix, StringComparison.Ordinal))
            {
                return ns[FeaturePrefix.Length..].Replace(".", "", StringComparison.Ordinal) + (type.DeclaringType is { } outer ? outer.Name : "") + name;
            }
            return (type.DeclaringType is { } declaring ? declaring.Name : "") + name;
        }
    }
}

/// <summary>Endpoint metadata: the endpoint honours the Idempotency-Key header (documented as a header parameter, never a body field).</summary>
public sealed class AcceptsIdempotencyKey
{
    public static readonly AcceptsIdempotencyKey Instance = new();

    private AcceptsIdempotencyKey()
    {
    }
}

/// <summary>Documents the Idempotency-Key header on the operations whose endpoint carries <see cref="AcceptsIdempotencyKey"/>.</summary>
internal sealed class IdempotencyKeyParameter : NSwag.Generation.Processors.IOperationProcessor
{
    public bool Process(NSwag.Generation.Processors.Contexts.OperationProcessorContext context)
    {
        if (context is NSwag.Generation.AspNetCore.AspNetCoreOperationProcessorContext aspNet
            && aspNet.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AcceptsIdempotencyKey>().Any())
        {
            context.OperationDescription.Operation.Parameters.Add(new NSwag.OpenApiParameter
            {
                Name = Idempotency.Header,
                Kind = NSwag.OpenApiParameterKind.Header,
                IsRequired = false,
                Description = $"Optional, 1-{Idempotency.MaxKeyLength} visible ASCII characters (a UUID): a retry with the same key and body "
                    + "gets the first answer (header Idempotent-Replayed: true); the same key with another body is 409 idempotency_key_reused.",
                Schema = new NJsonSchema.JsonSchema { Type = NJsonSchema.JsonObjectType.String, MaxLength = Idempotency.MaxKeyLength },
            });
        }
        return true;
    }
}

/// <summary>An RFC 9457 problem as this API sends it (documentation type for the OpenAPI document).</summary>
/// <param name="Type">A URI reference identifying the problem type.</param>
/// <param name="Title">Short summary of the problem type.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">Explanation of this occurrence, for a human.</param>
/// <param name="Code">Stable machine-readable code: validation_failed, not_found, invalid_transition, email_taken, ...</param>
/// <param name="TraceId">Correlates the answer with the server's logs.</param>
/// <param name="Errors">For 400 validation_failed: field name (camelCase) to messages.</param>
public sealed record Problem(
    string? Type,
    string Title,
    int Status,
    string? Detail,
    string Code,
    string TraceId,
    IDictionary<string, string[]>? Errors);
