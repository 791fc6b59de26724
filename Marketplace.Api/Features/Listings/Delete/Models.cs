namespace Marketplace.Api.Features.Listings.Delete;

public sealed record Request
{
    public int Id { get; init; }
}
