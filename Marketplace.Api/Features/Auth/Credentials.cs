using FluentValidation;

namespace Marketplace.Api.Features.Auth;

/// <summary>The rules for e-mail addresses and passwords, shared by the auth slices' validators.</summary>
internal static class Credentials
{
    public const int MaxEmailLength = 254; // users.email
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 128;

    /// <summary>E-mail addresses are kept and compared trimmed and lowercase: Ann@X.io and ann@x.io are one account.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static IRuleBuilderOptions<T, string> MustBeEmail<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("An e-mail address is required.")
            .MaximumLength(MaxEmailLength).WithMessage($"An e-mail address has at most {MaxEmailLength} characters.")
            .Matches(@"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$").WithMessage("This is not an e-mail address.");

    /// <summary>A password being chosen (register, reset, change); a login accepts any non-empty one.</summary>
    public static IRuleBuilderOptions<T, string> MustBeNewPassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("A password is required.")
            .MinimumLength(MinPasswordLength).WithMessage($"A password has at least {MinPasswordLength} characters.")
            .MaximumLength(MaxPasswordLength).WithMessage($"A password has at most {MaxPasswordLength} characters.");

    /// <summary>An opaque token from a mail (base64url of 32 bytes); anything else cannot match.</summary>
    public static IRuleBuilderOptions<T, string> MustBeToken<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("A token is required.")
            .MaximumLength(100).WithMessage("This is not a valid token.");
}
