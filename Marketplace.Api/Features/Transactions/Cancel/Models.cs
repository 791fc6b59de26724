using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Transactions.Cancel;

public sealed record Request
{
    public long Id { get; init; }
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Id).GreaterThan(0);
        RuleFor(r => r.Reason).MaximumLength(1000);
    }
}
