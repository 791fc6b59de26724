using FastEndpoints.Swagger;
using Marketplace.Api.Infrastructure.OpenApiContract;
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
                    + "times are ISO-8601 UTC; errors are RFC 9457 problem details with a stable `code`. A method that a path does not list "
                    + "answers 405 method_not_allowed (with an Allow header), on every path.";
                s.SchemaSettings.SchemaNameGenerator = new SliceSchemaNames();
                // a PATCH request is one flat object, not allOf [PatchRequest, {...}]
                s.SchemaSettings.FlattenInheritanceHierarchy = true;
                s.SchemaSettings.SchemaProcessors.Add(new SchemaContract());
                s.DocumentProcessors.Add(new ProblemSchemaProcessor());
                s.OperationProcessors.Add(new IdempotencyKeyParameter());
                s.OperationProcessors.Add(new HeaderParameters());
                s.OperationProcessors.Add(new ConditionalGetDocs());
                s.OperationProcessors.Add(new OperationContract());
            };
        }).AddSingleton<ContractDocument>();

    public static WebApplication UseMarketplaceOpenApi(this WebApplication app)
    {
        // NSwag's document, finished by DocumentContract (nullable, required, tags, examples, ...): see Infrastructure/OpenApi/
        app.MapGet("/openapi/v1.json", async (ContractDocument document) => Results.Text(await document.JsonAsync(), "application/json"))
            .AllowAnonymous()
            .ExcludeFromDescription();
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

/// <summary>
/// Endpoint metadata: an anonymous endpoint that reads the bearer token when one is sent (the owner
/// sees more); documented as <c>security: [{}, {bearer}]</c>, i.e. optional.
/// </summary>
public sealed class OptionalBearer
{
    public static readonly OptionalBearer Instance = new();

    private OptionalBearer()
    {
    }
}

/// <summary>Endpoint metadata: a request header the endpoint reads (documented as a header parameter).</summary>
public sealed record HeaderParameter(string Name, bool Required, string Description);

/// <summary>Documents the headers of <see cref="HeaderParameter"/> metadata on their operations.</summary>
internal sealed class HeaderParameters : NSwag.Generation.Processors.IOperationProcessor
{
    public bool Process(NSwag.Generation.Processors.Contexts.OperationProcessorContext context)
    {
        if (context is NSwag.Generation.AspNetCore.AspNetCoreOperationProcessorContext aspNet)
        {
            foreach (var header in aspNet.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<HeaderParameter>())
            {
                context.OperationDescription.Operation.Parameters.Add(new NSwag.OpenApiParameter
                {
                    Name = header.Name,
                    Kind = NSwag.OpenApiParameterKind.Header,
                    IsRequired = header.Required,
                    Description = header.Description,
                    Schema = new NJsonSchema.JsonSchema { Type = NJsonSchema.JsonObjectType.String },
                });
            }
        }
        return true;
    }
}

/// <summary>
/// The values a string field can take, for the OpenAPI document's <c>enum</c> (responses; request
/// fields get theirs from the validator's <c>OneOf</c>). Either the values, or a static string[]
/// that the code also checks against (<c>[OneOf(typeof(ListingRules), nameof(ListingRules.Categories))]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute : Attribute
{
    public OneOfAttribute(params string[] values) => Values = values;

    public OneOfAttribute(Type owner, string member) =>
        Values = (owner.GetField(member, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)?.GetValue(null)
            ?? owner.GetProperty(member, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)?.GetValue(null)) as string[]
            ?? throw new ArgumentException($"{owner.Name}.{member} is not a static string[]", nameof(member));

    public IReadOnlyList<string> Values { get; }
}

/// <summary>A shape another party defines (a Stripe event): documented with <c>additionalProperties: true</c>, as it may carry more fields.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OpenShapeAttribute : Attribute;

/// <summary>An RFC 9457 problem as this API sends it (documentation type for the OpenAPI document).</summary>
/// <param name="Type">A URI reference identifying the problem type.</param>
/// <param name="Title">Short summary of the problem type.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">Explanation of this occurrence, for a human.</param>
/// <param name="Code">Stable machine-readable code: validation_failed, not_found, invalid_transition, email_taken, ...</param>
/// <param name="TraceId">Correlates the answer with the server's logs.</param>
/// <param name="Instance">The request path the problem occurred on.</param>
/// <param name="Errors">For 400 validation_failed: field name (camelCase) to messages.</param>
public sealed record Problem(
    string? Type,
    string Title,
    int Status,
    string? Detail,
    string? Instance,
    string Code,
    string TraceId,
    IDictionary<string, string[]>? Errors);
