using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.UpdateMine;

/// <summary>
/// Partial update: a field that is absent stays as it is; an explicit null clears a nullable
/// field. paymentMode and status are not changed here.
/// </summary>
public sealed class Request : PatchRequest
{
    public string? BusinessName { get; set => field = Set(value); }
    public string? ProviderType { get; set => field = Set(value); }
    public int? TenantId { get; set => field = Set(value); }
    public string? BusinessDescription { get; set => field = Set(value); }
    public string? LogoUrl { get; set => field = Set(value); }
    public string? CoverImageUrl { get; set => field = Set(value); }
    public string? PublicEmail { get; set => field = Set(value); }
    public string? PublicPhone { get; set => field = Set(value); }
    public string? Website { get; set => field = Set(value); }
    public string? City { get; set => field = Set(value); }
    public string? State { get; set => field = Set(value); }
    public string? Zip { get; set => field = Set(value); }
    public string? Country { get; set => field = Set(value); }
    public string? PaymentInstructions { get; set => field = Set(value); }
    public IReadOnlyDictionary<string, OpeningPeriod[]>? BusinessHours { get; set => field = Set(value); }
    public string? TimeZone { get; set => field = Set(value); }

    /// <summary>The default cancellation policy of the provider's bookings: flexible, moderate or strict (listings may override it).</summary>
    public string? CancellationPolicy { get; set => field = Set(value); }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.BusinessName).NotEmpty().MaximumLength(200).When(r => r.Has(nameof(Request.BusinessName)));
        RuleFor(r => r.ProviderType).NotEmpty().OneOf("breeder", "service_provider", "both").When(r => r.Has(nameof(Request.ProviderType)));
        RuleFor(r => r.TenantId).GreaterThan(0);
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
        RuleFor(r => r.CancellationPolicy).NotNull().Must(p => Transactions.CancellationPolicies.Names.Contains(p))
            .When(r => r.Has(nameof(Request.CancellationPolicy)))
            .WithMessage("cancellationPolicy must be one of flexible, moderate, strict.");
        RuleFor(r => r.PresentProperties).NotEmpty().OverridePropertyName("request").WithMessage("Send at least one field to change.");
    }
}
