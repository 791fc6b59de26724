namespace Marketplace.Api.Features.Listings.GetBySlug;

public sealed record Request
{
    public string Slug { get; init; } = "";
}
