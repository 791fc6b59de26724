using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Listings.Availability.Get;

public sealed record Request
{
    /// <summary>The listing (route).</summary>
    public int Id { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Id).GreaterThan(0);
}
