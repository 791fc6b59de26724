namespace Marketplace.Api.Features.Listings.Save;

public sealed record Request
{
    public int Id { get; init; }
}
