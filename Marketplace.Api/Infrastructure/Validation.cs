using FluentValidation;

namespace Marketplace.Api.Infrastructure;

/// <summary>Validator rules shared by several slices (enumerations, URLs).</summary>
public static class Validation
{
    /// <summary>One of the data model's lowercase values (DESIGN: an unknown value is a 400).</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, params string[] allowed) =>
        rule.Must(v => v is null || allowed.Contains(v, StringComparer.Ordinal))
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
