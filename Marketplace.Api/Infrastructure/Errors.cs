using System.Diagnostics;
using System.Text.Json;

using FluentValidation.Results;
using Microsoft.AspNetCore.Diagnostics;

using Microsoft.AspNetCore.Mvc;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// An error the API answers on purpose: becomes an RFC 9457 problem with a stable <see cref="Code"/>.
/// Thrown from handlers for conditions found against the database (not-found, conflicts, state).
/// </summary>
public sealed class ApiProblem(int status, string code, string title, string? detail = null) : Exception(detail ?? title)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;

    /// <summary>Seconds for a Retry-After header (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiProblem NotFound(string what) =>
        new(StatusCodes.Status404NotFound, "not_found", "Not found", $"The {what} does not exist or is not visible to you.");

    public static ApiProblem Conflict(string code, string detail) =>
        new(StatusCodes.Status409Conflict, code, "Conflict", detail);

    public static ApiProblem InvalidTransition(string detail) =>
        new(StatusCodes.Status409Conflict, "invalid_transition", "Invalid state transition", detail);

    public static ApiProblem Forbidden(string code, string detail) =>
        new(StatusCodes.Status403Forbidden, code, "Forbidden", detail);

    public static ApiProblem Unauthorized(string code, string detail) =>
        new(StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);

    public static ApiProblem BadRequest(string code, string detail) =>
        new(StatusCodes.Status400BadRequest, code, "Bad request", detail);
}

internal static class Errors
{
    public const string ValidationFailed = "validation_failed";

    public static IServiceCollection AddMarketplaceErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var problem = ctx.ProblemDetails;
            problem.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier; // the request id (RequestLogging), as in X-Request-Id and the logs
            problem.Extensions.TryAdd("code", DefaultCode(problem.Status ?? ctx.HttpContext.Response.StatusCode));
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }

    /// <summary>The code of a problem that was not raised with one of its own (framework 404/405/401...).</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        503 => "service_unavailable",
        >= 500 => "internal_error",
        _ => "error",
    };

    /// <summary>Answers a problem from a middleware (outside any endpoint): the status, its title and detail, and the problem's code.</summary>
    public static Task WriteProblemAsync(HttpContext http, int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Instance = http.Request.Path };
        problem.Extensions["code"] = code;
        return WriteProblemAsync(http, problem);
    }

    /// <summary>Answers a problem built by the caller (its status is the response's).</summary>
    public static Task WriteProblemAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).AsTask();
    }

    /// <summary>FastEndpoints' validation failures as one problem: <c>errors</c> maps camelCase field names to messages.</summary>
    public static object ValidationProblem(List<ValidationFailure> failures, HttpContext http, int statusCode)
    {
        var errors = failures
            .GroupBy(f => FieldName(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = statusCode,
            Title = "One or more validation errors occurred.",
            Detail = "The request is not valid; see errors.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            Instance = http.Request.Path,
        };
        // a body whose only fault is fields the endpoint does not have (DESIGN strict input)
        problem.Extensions["code"] = failures.Count > 0 && failures.All(f => f.ErrorCode == StrictInput.UnknownField) ? StrictInput.UnknownField : ValidationFailed;
        problem.Extensions["traceId"] = http.TraceIdentifier;
        return problem;
    }

    private static string FieldName(string propertyName)
    {
        if (string.IsNullOrEmpty(propertyName))
        {
            return "request";
        }
        return string.Join('.', propertyName.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName));
    }

    /// <summary>Turns <see cref="ApiProblem"/> and unexpected exceptions into problem details (no stack traces).</summary>
    private sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            var problem = new ProblemDetails { Instance = http.Request.Path };
            switch (exception)
            {
                case ApiProblem api:
                    problem.Status = api.Status;
                    problem.Title = api.Title;
                    problem.Detail = api.Detail;
                    problem.Extensions["code"] = api.Code;
                    if (api.RetryAfterSeconds is { } seconds)
                    {
                        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    break;
                case global::Stripe.StripeException stripe:
                    // Stripe's own message can name accounts and parameters: log it, never answer it
                    logger.LogWarning("Stripe call failed on {Method} {Path}: {StripeCode} {StripeType} (HTTP {StripeStatus})",
                        http.Request.Method, http.Request.Path, stripe.StripeError?.Code, stripe.StripeError?.Type, (int)stripe.HttpStatusCode);
                    problem.Status = StatusCodes.Status502BadGateway;
                    problem.Title = "Payment provider error";
                    problem.Detail = "Stripe could not complete the request; try again later.";
                    problem.Extensions["code"] = "stripe_error";
                    break;
                case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                    // Kestrel's (or RequestLimits') cut of a body past its limit, met while reading it
                    problem.Status = StatusCodes.Status413PayloadTooLarge;
                    problem.Title = "Payload too large";
                    problem.Detail = "The request body is larger than this endpoint accepts.";
                    break;
                case BadHttpRequestException bad:
                    problem.Status = bad.StatusCode;
                    problem.Title = "Bad request";
                    problem.Detail = "The request could not be read.";
                    break;
                case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                    // the client went away: nobody reads the answer
                    problem.Status = 499;
                    problem.Title = "Client closed request";
                    break;
                case Exception lost when DbFaults.IsLostRace(exception):
                    // a race this request lost that no slice turned into its own answer (LockOrder keeps these rare)
                    logger.LogWarning("Lost a database race on {Method} {Path}: {SqlState}", http.Request.Method, http.Request.Path, DbTransactions.SqlState(lost));
                    problem.Status = StatusCodes.Status409Conflict;
                    problem.Title = "Conflict";
                    problem.Detail = DbTransactions.ConcurrentChange().Detail;
                    problem.Extensions["code"] = "concurrent_change";
                    break;
                case Exception down when DbFaults.IsUnavailable(exception):
                    // one line, no stack: the database being down is an operator's problem, not a bug
                    logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, DbFaults.Describe(down));
                    problem.Status = StatusCodes.Status503ServiceUnavailable;
                    problem.Title = "Service unavailable";
                    problem.Detail = "The service cannot reach its database right now; retry shortly.";
                    problem.Extensions["code"] = "service_unavailable";
                    http.Response.Headers.RetryAfter = DbFaults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    logger.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
                    problem.Status = StatusCodes.Status500InternalServerError;
                    problem.Title = "An unexpected error occurred.";
                    problem.Detail = "The error was logged; quote the traceId when reporting it.";
                    break;
            }
            http.Response.StatusCode = problem.Status.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
        }
    }
}
