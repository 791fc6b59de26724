using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Transactions.Get;

public sealed record Request
{
    public long Id { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
