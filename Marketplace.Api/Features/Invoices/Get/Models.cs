using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Invoices.Get;

public sealed record Request
{
    public int Id { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
