namespace Marketplace.Api.Features.Listings.Archive;

public sealed record Request
{
    /// <summary>The listing's id.</summary>
    public int Id { get; init; }
}
