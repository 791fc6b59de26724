using Marketplace.Api.Features.Transactions.Lifecycle;
using System.Text.Json;
using System.Text.Json.Serialization;
using FastEndpoints;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;

namespace Marketplace.Api.Infrastructure;

/// <summary>FastEndpoints, JSON conventions, problem details and the middleware order, in one place.</summary>
internal static class Api
{
    public const string RoutePrefix = "api/v1/marketplace";

    /// <summary>The Content-Type of every JSON answer but problem details (FastEndpoints' own, charset included).</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    public static WebApplicationBuilder AddMarketplaceApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddMarketplaceErrors();
        builder.AddMarketplaceRequestLimits();
        builder.Services.AddMarketplaceStripe();
        Payments.StripeEvents.ReconciliationRegistration.AddStripeReconciliation(builder.Services);
        builder.Services.AddMarketplaceEmail();
        builder.Services.AddMarketplaceRateLimiting();
        builder.Services.AddMarketplaceIdempotency();
        Features.Providers.QuickResponderBadgeRegistration.AddQuickResponderBadge(builder.Services);
        builder.Services.AddBookingLifecycle();
        Features.Listings.ListingViewsRegistration.AddListingViews(builder.Services);
        builder.Services.AddSingleton<Cursors>();
        builder.Services.AddSingleton<Features.Listings.Browse.RelevanceIndex>();
        builder.Services.AddMarketplaceCors();
        Features.Integrations.Webhooks.WebhookRegistration.AddMarketplaceWebhooks(builder.Services);
        // every endpoint and validator lives in this assembly: no scan of the others at start-up
        builder.Services.AddFastEndpoints(o =>
        {
            o.DisableAutoDiscovery = true;
            o.Assemblies = [typeof(Api).Assembly];
        });
        builder.Services.AddMarketplaceOpenApi();
        builder.Services.AddMarketplaceHealth();
        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        return builder;
    }

    /// <summary>
    /// Writes an answer with its source-generated serializer, synchronously into the body's pipe,
    /// then flushes. The streaming serializer (WriteAsJsonAsync) leaves the generated code for the
    /// resumable metadata converters once an answer outgrows its buffer (about 16 KB, a browse
    /// page: 11 % of the API's CPU on browse in perf); the pipe holds the answer in memory either
    /// way, and these answers are bounded (100 listings at most). Same bytes.
    /// </summary>
    private static Task WriteGeneratedAsync(HttpResponse response, object dto, System.Text.Json.Serialization.Metadata.JsonTypeInfo info, string contentType, CancellationToken ct)
    {
        response.ContentType = contentType;
        var options = info.Options;
        using (var writer = new System.Text.Json.Utf8JsonWriter(response.BodyWriter, new System.Text.Json.JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            MaxDepth = options.MaxDepth,
            SkipValidation = true,
        }))
        {
            System.Text.Json.JsonSerializer.Serialize(writer, dto, info);
        }
        return response.BodyWriter.FlushAsync(ct).AsTask();
    }

    /// <summary>A 200 with <paramref name="dto"/> in its generated serializer's JSON, as an endpoint's Send.OkAsync writes it.</summary>
    internal static Task WriteOkAsync<T>(HttpContext http, T dto, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) where T : notnull
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        return WriteGeneratedAsync(http.Response, dto, info, JsonContentType, http.RequestAborted);
    }

    public static WebApplication UseMarketplace(this WebApplication app)
    {
        app.MigrateIfConfigured();

        app.UseMarketplaceRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseMarketplaceRequestLimits();
        app.UseMarketplaceStrictInput();
        app.UseMarketplaceRateLimiting();
        app.UseMarketplaceAuth();
        app.UseMarketplaceConditionalGets();
        app.UseMarketplaceDirectReads();
        app.UseFastEndpoints(c =>
        {
            c.Endpoints.RoutePrefix = RoutePrefix;
            c.Endpoints.ShortNames = false;
            Configure(c.Serializer.Options);
            // requests only: an unknown property and control characters in any string are 400s (README: strict input)
            c.Serializer.Options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            c.Serializer.Options.Converters.Add(new StrictTextConverter());
            c.Binding.JsonExceptionTransformer = StrictInput.FromJsonException;
            // an empty body is no body (Pay and other bodiless POSTs), whatever its Content-Type
            var json = c.Serializer.Options;
            c.Serializer.RequestDeserializer = (request, type, _, ct) => request.ContentLength == 0
                ? ValueTask.FromResult<object?>(null)
                : request.ReadFromJsonAsync(type, json, ct);
            // an endpoint's source-generated context (the hot listing reads) writes the answers it knows; the rest, problem details included, use the shared options
            c.Serializer.ResponseSerializer = (response, dto, contentType, context, ct) =>
            {
                contentType += "; charset=utf-8"; // as FastEndpoints' own serializer writes it (JsonContentType)
                return dto is null ? Task.CompletedTask
                    : context?.GetTypeInfo(dto.GetType()) is { } generated ? WriteGeneratedAsync(response, dto, generated, contentType, ct)
                    : response.WriteAsJsonAsync(dto, dto.GetType(), json, contentType, ct);
            };
            c.Errors.ResponseBuilder = Errors.ValidationProblem;
            c.Errors.ProducesMetadataType = typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails);
        });
        app.UseMarketplaceOpenApi();
        app.MapMarketplaceHealth();
        return app;
    }

    private static void Configure(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        json.NumberHandling = JsonNumberHandling.Strict;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
    }
}
