namespace Marketplace.Api.Features.Providers.StripeLoginLink;

/// <summary>A single-use link into the provider's Stripe Express dashboard (payouts, balance, tax forms).</summary>
public sealed record Response(string Url, DateTime CreatedAt);
