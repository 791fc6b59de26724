namespace Marketplace.Api.Features.Webhooks.Stripe;

/// <summary>What Stripe is told: the event was received (and whether it had been before).</summary>
public sealed record Response(bool Received, bool Duplicate, string Outcome);
