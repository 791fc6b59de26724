using FastEndpoints;
using Marketplace.Api.Features.Listings;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.MyListings;

public sealed record Request
{
    /// <summary>draft | active | paused | archived; all when absent.</summary>
    public string? Status { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}

/// <summary>The keyset position: the last item's createdAt and id.</summary>
public sealed record Cursor(DateTime CreatedAt, int Id);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Status).OneOf(ListingRules.Statuses);
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
    }
}
