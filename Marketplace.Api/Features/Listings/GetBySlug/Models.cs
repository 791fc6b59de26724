namespace Marketplace.Api.Features.Listings.GetBySlug;

public sealed record Request
{
    /// <summary>The listing's slug, as every listing answer gives it (always contains a letter, never only digits).</summary>
    public string Slug { get; init; } = "";
}
