using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.GetPublic;

internal static class Data
{
    /// <summary>An active, not deleted provider (pending and suspended ones are not public).</summary>
    public static async Task<Response?> GetAsync(Db db, int id, CancellationToken ct)
    {
        var p = await db.Providers
            .Where(p => p.Id == id && p.Status == "active" && p.DeletedAt == null)
            .Select(p => new
            {
                p.Id, p.ProviderType, p.BusinessName, p.BusinessDescription, p.LogoUrl, p.CoverImageUrl, p.PublicEmail, p.PublicPhone,
                p.Website, p.City, p.State, p.Zip, p.Country, p.BusinessHours, p.TimeZone, p.ActiveListings, p.CompletedTransactions,
                p.AverageRating, p.TotalReviews, p.VerifiedProvider, p.PremiumProvider, p.QuickResponder, p.ActivatedAt,
            })
            .FirstOrDefaultAsync(ct);
        return p is null ? null : new Response(
            p.Id, p.ProviderType, p.BusinessName, p.BusinessDescription, p.LogoUrl, p.CoverImageUrl, p.PublicEmail, p.PublicPhone,
            p.Website, p.City, p.State, p.Zip, p.Country, BusinessHours.FromJson(p.BusinessHours), p.TimeZone, p.ActiveListings,
            p.CompletedTransactions, p.AverageRating, p.TotalReviews, p.VerifiedProvider, p.PremiumProvider, p.QuickResponder, p.ActivatedAt);
    }
}
