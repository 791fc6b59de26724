namespace Marketplace.Api.Features.Listings.Unsave;

public sealed record Request
{
    public int Id { get; init; }
}
