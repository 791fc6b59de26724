using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.ListExceptions;

public sealed record Request
{
    /// <summary>The listing (route).</summary>
    public int Id { get; init; }

    /// <summary>Only exceptions ending after this instant (UTC); default: all.</summary>
    [QueryParam] public DateTime? Start { get; init; }

    /// <summary>Only exceptions starting before this instant (UTC); default: all.</summary>
    [QueryParam] public DateTime? End { get; init; }

    /// <summary>Page size, 1-100 (default 20).</summary>
    [QueryParam] public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    [QueryParam] public string? Cursor { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.End).GreaterThan(r => r.Start).When(r => r.Start is not null && r.End is not null).WithMessage("end must be after start.");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
