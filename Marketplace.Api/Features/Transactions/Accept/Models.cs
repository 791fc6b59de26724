using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Transactions.Accept;

public sealed record Request
{
    /// <summary>The booking (route).</summary>
    public long Id { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
