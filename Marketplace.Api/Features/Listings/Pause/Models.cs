namespace Marketplace.Api.Features.Listings.Pause;

public sealed record Request
{
    public int Id { get; init; }
}
