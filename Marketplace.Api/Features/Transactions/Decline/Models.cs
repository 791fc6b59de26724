using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Transactions.Decline;

public sealed record Request
{
    /// <summary>The booking (route).</summary>
    public long Id { get; init; }

    /// <summary>Why the provider declines (shown to the client; 1-1000 characters).</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Id).GreaterThan(0);
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(1000);
    }
}
