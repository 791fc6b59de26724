using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Invoices.Pay;

public sealed record Request
{
    public int Id { get; init; }
}

/// <summary>Send the client to <c>checkoutUrl</c> (Stripe Checkout); the session can be reused until <c>expiresAt</c>.</summary>
public sealed record Response(string CheckoutUrl, string SessionId, DateTime ExpiresAt);

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
