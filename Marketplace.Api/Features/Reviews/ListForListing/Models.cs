using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.ListForListing;

public sealed record Request
{
    public string Slug { get; init; } = "";

    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Slug).MaximumLength(200);
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
