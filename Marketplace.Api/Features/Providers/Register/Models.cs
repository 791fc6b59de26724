using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.Register;

public sealed record Request
{
    public string BusinessName { get; init; } = "";
    /// <summary>breeder | service_provider | both (default service_provider).</summary>
    public string ProviderType { get; init; } = "service_provider";
    /// <summary>stripe_connect (default: pending until the Stripe account can take charges and payouts) | manual | offline (active at once).</summary>
    public string PaymentMode { get; init; } = "stripe_connect";
    /// <summary>Id of the breeder system's tenant (breeders only); stored unverified, the breeder system verifies it.</summary>
    public int? TenantId { get; init; }
    public string? BusinessDescription { get; init; }
    public string? LogoUrl { get; init; }
    public string? CoverImageUrl { get; init; }
    public string? PublicEmail { get; init; }
    public string? PublicPhone { get; init; }
    public string? Website { get; init; }
    public string? City { get; init; }
    public string? State { get; init; }
    public string? Zip { get; init; }
    public string? Country { get; init; } = "US";
    /// <summary>How clients pay a manual or offline provider (shown on invoices).</summary>
    public string? PaymentInstructions { get; init; }
    /// <summary>Days mon..sun mapped to opening periods [{ open: "09:00", close: "17:00" }], local time.</summary>
    public IReadOnlyDictionary<string, OpeningPeriod[]>? BusinessHours { get; init; }
    /// <summary>IANA time zone of the business hours (default America/New_York).</summary>
    public string? TimeZone { get; init; } = "America/New_York";
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.BusinessName).NotEmpty().MaximumLength(200);
        RuleFor(r => r.ProviderType).NotEmpty().OneOf("breeder", "service_provider", "both");
        RuleFor(r => r.PaymentMode).NotEmpty().OneOf("stripe_connect", "manual", "offline");
        RuleFor(r => r.TenantId).GreaterThan(0)
            .Must((r, tenant) => tenant is null || r.ProviderType is "breeder" or "both")
            .WithMessage("tenantId is only for breeders (providerType breeder or both).");
        RuleFor(r => r.BusinessDescription).MaximumLength(5000);
        RuleFor(r => r.LogoUrl).HttpsUrl();
        RuleFor(r => r.CoverImageUrl).HttpsUrl();
        RuleFor(r => r.PublicEmail).MaximumLength(254).EmailAddress();
        RuleFor(r => r.PublicPhone).MaximumLength(32);
        RuleFor(r => r.Website).WebUrl();
        RuleFor(r => r.City).MaximumLength(100);
        RuleFor(r => r.State).MaximumLength(100);
        RuleFor(r => r.Zip).MaximumLength(20);
        RuleFor(r => r.Country).CountryCode();
        RuleFor(r => r.PaymentInstructions).MaximumLength(2000);
        RuleFor(r => r.BusinessHours).ValidBusinessHours();
        RuleFor(r => r.TimeZone).IanaTimeZone();
    }
}
