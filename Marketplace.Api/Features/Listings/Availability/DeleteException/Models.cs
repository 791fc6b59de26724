using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Listings.Availability.DeleteException;

public sealed record Request
{
    /// <summary>The listing (route).</summary>
    public int Id { get; init; }

    /// <summary>The exception (route).</summary>
    public long ExceptionId { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.ExceptionId).GreaterThan(0);
}
