namespace Marketplace.Api.Features.Listings.Publish;

public sealed record Request
{
    public int Id { get; init; }
}
