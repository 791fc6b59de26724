using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.GetStripeConnect;

/// <summary>The provider's Stripe Connect state as Stripe reports it now, and the provider's resulting status.</summary>
public sealed record Response(
    string? AccountId,
    bool ChargesEnabled,
    bool PayoutsEnabled,
    bool DetailsSubmitted,
    bool OnboardingComplete,
    IReadOnlyList<string> RequirementsCurrentlyDue,
    string? DisabledReason,
    [OneOf("pending", "active", "suspended", "deleted")] string ProviderStatus,
    DateTime? ActivatedAt);
