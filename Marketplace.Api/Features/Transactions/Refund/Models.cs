using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Refund;

/// <summary>A refund (provider) or a refund request (client). No amount: everything still refundable.</summary>
public sealed record Request
{
    public long Id { get; init; }
    public long? AmountCents { get; init; }
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Id).GreaterThan(0);
        RuleFor(r => r.AmountCents).InclusiveBetween(1, Money.MaxPriceCents * 2).When(r => r.AmountCents is not null);
        RuleFor(r => r.Reason).MaximumLength(1000);
    }
}
