using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth;

/// <summary>The account mails; links point at the web front end (Marketplace:PublicBaseUrl).</summary>
internal static class AuthMails
{
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromHours(24);
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    /// <summary>A new token is not mailed again within this time of the last one (no mail bombing through resend/forgot).</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromMinutes(1);

    public static OutgoingMail Verification(MarketplaceOptions options, string to, string? firstName, string token) => new(
        "verify_email", to, "Confirm your e-mail address",
        $"""
        Hello{Name(firstName)},

        please confirm your e-mail address for your Marketplace account by opening this link:

        {Link(options, "verify-email", token)}

        The link works once and expires in 24 hours. If you did not create an account, ignore this mail.
        """);

    public static OutgoingMail PasswordReset(MarketplaceOptions options, string to, string? firstName, string token) => new(
        "password_reset", to, "Reset your password",
        $"""
        Hello{Name(firstName)},

        someone (hopefully you) asked to reset the password of your Marketplace account. Choose a new password here:

        {Link(options, "reset-password", token)}

        The link works once and expires in 1 hour. If you did not ask for it, ignore this mail; your password stays as it is.
        """);

    public static OutgoingMail PasswordChanged(MarketplaceOptions options, string to, string? firstName) => new(
        "password_changed", to, "Your password was changed",
        $"""
        Hello{Name(firstName)},

        the password of your Marketplace account was just changed, and your other sessions were signed out.

        If this was not you, reset your password at once: {options.PublicBaseUrl.TrimEnd('/')}/forgot-password
        """);

    private static string Link(MarketplaceOptions options, string path, string token) =>
        $"{options.PublicBaseUrl.TrimEnd('/')}/{path}?token={Uri.EscapeDataString(token)}";

    private static string Name(string? firstName) => string.IsNullOrWhiteSpace(firstName) ? "" : " " + firstName.Trim();
}
