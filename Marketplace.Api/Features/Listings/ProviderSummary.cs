namespace Marketplace.Api.Features.Listings;

/// <summary>The provider as a listing shows it: name, rating, review count and verified badge.</summary>
public sealed record ProviderSummary(int Id, string BusinessName, decimal AverageRating, int TotalReviews, bool VerifiedProvider);
