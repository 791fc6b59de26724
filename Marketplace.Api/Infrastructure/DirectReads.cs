using System.Text.Json;
using System.Text.Json.Serialization;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Endpoint metadata: the route's handler, run by <see cref="DirectReads"/> in place of FastEndpoints'
/// per-request pipeline (endpoint instance, binding, validation, processors, sending). The endpoint
/// class still declares the route, its authorization and its whole OpenAPI description; only the
/// execution moves. For the hottest public reads only: measured in benchmarks/RawFloor, that
/// pipeline was about 9 us of an 88 us single-listing read (0.80x of the raw-driver floor as a
/// FastEndpoints handler, 0.90x as a plain route).
/// <c>Options(b => b.WithMetadata(new DirectRead(ServeAsync)))</c>; the handler binds, validates and
/// answers itself, and throws <see cref="ApiProblem"/> as any endpoint does.
/// </summary>
public sealed class DirectRead(RequestDelegate serve)
{
    public RequestDelegate Serve { get; } = serve;
}

internal static class DirectReads
{
    /// <summary>
    /// Runs a <see cref="DirectRead"/> endpoint's handler, after every middleware (authentication,
    /// rate limits, conditional GETs) and where FastEndpoints would have run it; other requests pass.
    /// </summary>
    public static WebApplication UseMarketplaceDirectReads(this WebApplication app)
    {
        app.Use((http, next) => http.GetEndpoint()?.Metadata.GetMetadata<DirectRead>() is { } read ? read.Serve(http) : next(http));
        return app;
    }

    /// <summary>
    /// Binds and validates a request as FastEndpoints does for its own endpoints: its binder (route,
    /// query, body; a value it cannot read fails the request before validation), then the
    /// endpoint's validator, and the failures answered in its 400 (Errors.ValidationProblem). Null
    /// once that 400 is written.
    /// </summary>
    public static async ValueTask<TRequest?> BindAsync<TRequest>(HttpContext http, IValidator<TRequest> validator, JsonSerializerContext? json)
        where TRequest : class
    {
        var failures = new List<ValidationFailure>();
        TRequest? request = null;
        try
        {
            var binder = http.RequestServices.GetRequiredService<IRequestBinder<TRequest>>();
            request = await binder.BindAsync(new BinderContext(http, failures, json, dontAutoBindForms: false, requiredPropsToBind: []), http.RequestAborted);
            failures.AddRange(validator.Validate(request).Errors);
        }
        catch (ValidationFailureException)
        {
            // the binder's own failures, already in the list
        }
        catch (JsonException ex)
        {
            failures.Add(StrictInput.FromJsonException(ex));
        }
        if (failures.Count == 0)
        {
            return request;
        }
        await http.Response.SendErrorsAsync(failures, StatusCodes.Status400BadRequest, cancellation: http.RequestAborted);
        return null;
    }
}
