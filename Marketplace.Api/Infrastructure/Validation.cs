using FluentValidation;

namespace Marketplace.Api.Infrastructure;

/// <summary>Validator rules shared by several slices (enumerations, URLs).</summary>
public static class Validation
{
    /// <summary>One of the data model's lowercase values (DESIGN: an unknown value is a 400).</summary>
    /// <remarks>The values stay readable on the rule (<see cref="IOneOf"/>): the OpenAPI document lists them as the field's enum.</remarks>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, params string[] allowed) =>
        rule.SetValidator(new OneOfValidator<T>(allowed))
            .WithMessage($"{{PropertyName}} must be one of: {string.Join(", ", allowed)}.");

    /// <summary>An absolute https URL of at most <paramref name="maxLength"/> characters (images, logos).</summary>
    public static IRuleBuilderOptions<T, string?> HttpsUrl<T>(this IRuleBuilder<T, string?> rule, int maxLength = 2048) =>
        rule.MaximumLength(maxLength)
            .Must(v => v is null || (Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(uri.Host)))
            .WithMessage("{PropertyName} must be an absolute https URL.");

    /// <summary>An absolute http(s) URL (a business website may still be plain http).</summary>
    public static IRuleBuilderOptions<T, string?> WebUrl<T>(this IRuleBuilder<T, string?> rule, int maxLength = 2048) =>
        rule.MaximumLength(maxLength)
            .Must(v => v is null || (Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)))
            .WithMessage("{PropertyName} must be an absolute http(s) URL.");

    /// <summary>An ISO 3166-1 alpha-2 country code in capitals (the column's CHECK).</summary>
    public static IRuleBuilderOptions<T, string?> CountryCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches("^[A-Z]{2}$").WithMessage("{PropertyName} must be a two-letter ISO country code in capitals (US).");
}

/// <summary>A rule that accepts only the listed values (an enumeration).</summary>
public interface IOneOf
{
    IReadOnlyList<string> Allowed { get; }
}

internal sealed class OneOfValidator<T>(string[] allowed) : FluentValidation.Validators.PropertyValidator<T, string?>, IOneOf
{
    public override string Name => "OneOfValidator";

    public IReadOnlyList<string> Allowed => allowed;

    public override bool IsValid(ValidationContext<T> context, string? value) => value is null || allowed.Contains(value, StringComparer.Ordinal);
}

/// <summary>
/// The one rule for text from outside, applied to every input at once (JSON bodies through
/// <see cref="StrictTextConverter"/>, query strings and route values through
/// <see cref="StrictInput"/>): no control characters except tab and line feed, and carriage
/// return only as part of a CRLF line break (what a browser's textarea submits). NUL, lone CR,
/// ESC, DEL and the C1 controls are refused: PostgreSQL cannot store NUL, and the rest only ever
/// serve to corrupt logs, e-mails and terminals. Lone UTF-16 surrogates (not text) are refused too.
/// </summary>
public static class Text
{
    public const string Rule = "must not contain control characters (only tab, line feed and CRLF line breaks are allowed).";

    public static bool IsAllowed(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' || c is >= '\u007f' and <= '\u009f')
            {
                if (c is '\t' or '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
                {
                    continue;
                }
                return false;
            }
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                return false;
            }
        }
        return true;
    }
}

/// <summary>A JSON string that breaks <see cref="Text"/>: a 400 naming the field (the JSON path).</summary>
public sealed class ForbiddenTextException() : System.Text.Json.JsonException(Text.Rule);

/// <summary>Reads every JSON string of a request body (values and dictionary keys) through <see cref="Text"/>.</summary>
public sealed class StrictTextConverter : System.Text.Json.Serialization.JsonConverter<string>
{
    public override string? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        Checked(reader.GetString());

    public override void Write(System.Text.Json.Utf8JsonWriter writer, string value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        Checked(reader.GetString())!;

    public override void WriteAsPropertyName(System.Text.Json.Utf8JsonWriter writer, string value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string? Checked(string? value) =>
        value is null || Text.IsAllowed(value) ? value : throw new ForbiddenTextException();
}

/// <summary>
/// Strict input (DESIGN round 2) for every endpoint, before any handler runs: query strings and
/// route values follow <see cref="Text"/>; a JSON body's strings follow it too
/// (<see cref="StrictTextConverter"/>), and a JSON property the request does not have is 400
/// <c>unknown_field</c> (<c>JsonUnmappedMemberHandling.Disallow</c>), turned
/// into field errors by <see cref="FromJsonException"/>.
/// </summary>
internal static class StrictInput
{
    public const string UnknownField = "unknown_field";

    /// <summary>The field of a JSON failure is its path (<c>$.businessHours.mon[0].open</c> is <c>businessHours.mon[0].open</c>).</summary>
    public static FluentValidation.Results.ValidationFailure FromJsonException(System.Text.Json.JsonException ex)
    {
        var field = ex.Path is null or "$" ? "body" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path.TrimStart('$');
        if (ex is ForbiddenTextException)
        {
            return new(field, $"{field} {Text.Rule}");
        }
        if (UnmappedProperty(ex) is { } unknown)
        {
            var name = field == "body" ? unknown : field.EndsWith(unknown, StringComparison.Ordinal) ? field : $"{field}.{unknown}";
            return new(name, "Unknown field.") { ErrorCode = UnknownField };
        }
        // the serializer's own message names .NET types and byte offsets: not for integrators
        return new(field, field == "body"
            ? "The body is not a valid JSON object for this request."
            : $"{field} has a value of the wrong type or format.");
    }

    /// <summary>The JSON property name of a "could not be mapped to any .NET member" failure, else null.</summary>
    private static string? UnmappedProperty(System.Text.Json.JsonException ex)
    {
        const string Prefix = "The JSON property '";
        var message = ex.Message;
        if (!message.StartsWith(Prefix, StringComparison.Ordinal) || !message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return null;
        }
        var end = message.IndexOf("' could not be mapped", StringComparison.Ordinal);
        return end > Prefix.Length ? message[Prefix.Length..end] : null;
    }

    private static bool AllAllowed(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && !Text.IsAllowed(value))
            {
                return false;
            }
        }
        return true;
    }

    public static WebApplication UseMarketplaceStrictInput(this WebApplication app)
    {
        // no async state machine on the way through: the two answers below are the only awaits
        app.Use((http, next) =>
        {
            if (string.IsNullOrEmpty(http.Request.ContentType)
                && http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is { IsOptional: false, ContentTypes.Count: > 0 } accepts
                && !accepts.ContentTypes.Contains("*/*"))
            {
                return UnsupportedMediaTypeAsync(http, accepts);
            }

            List<FluentValidation.Results.ValidationFailure>? failures = null; // made only for a request that breaks the rule
            foreach (var (name, values) in http.Request.Query)
            {
                var field = Text.IsAllowed(name) ? name : "query";
                if (!Text.IsAllowed(name) || !AllAllowed(values))
                {
                    (failures ??= []).Add(new(field, $"{field} {Text.Rule}"));
                }
            }
            foreach (var (name, value) in http.Request.RouteValues)
            {
                if (value is string text && !Text.IsAllowed(text))
                {
                    (failures ??= []).Add(new(name, $"{name} {Text.Rule}"));
                }
            }
            return failures is null ? next(http) : RejectAsync(http, failures);
        });
        return app;
    }

    // FastEndpoints answers this case with a bare 415 it has already started; answer it here as a problem
    private static Task UnsupportedMediaTypeAsync(HttpContext http, Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata accepts) =>
        Errors.WriteProblemAsync(http, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
            $"Send the body as {string.Join(" or ", accepts.ContentTypes)}.");

    private static Task RejectAsync(HttpContext http, List<FluentValidation.Results.ValidationFailure> failures) =>
        Errors.WriteProblemAsync(http, (Microsoft.AspNetCore.Http.HttpValidationProblemDetails)Errors.ValidationProblem(failures, http, StatusCodes.Status400BadRequest));
}
