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
