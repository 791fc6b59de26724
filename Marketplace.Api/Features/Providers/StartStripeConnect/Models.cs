namespace Marketplace.Api.Features.Providers.StartStripeConnect;

/// <summary>A fresh Stripe onboarding link; send the provider there. It expires within minutes and is single-use.</summary>
public sealed record Response(string Url, DateTime ExpiresAt, string AccountId);
