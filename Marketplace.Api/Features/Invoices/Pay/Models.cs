using System.Text.Json.Serialization;
using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Invoices.Pay;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>Optional; a retry with the same key gets the first answer (the same Checkout Session).</summary>
    [FromHeader(Infrastructure.Idempotency.Header, isRequired: false), JsonIgnore]
    public string? IdempotencyKey { get; init; }
}

/// <summary>Send the client to <c>checkoutUrl</c> (Stripe Checkout); the session can be reused until <c>expiresAt</c>.</summary>
public sealed record Response(string CheckoutUrl, string SessionId, DateTime ExpiresAt);

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
