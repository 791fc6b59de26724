using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Npgsql;

namespace Marketplace.Api.Features.Providers.GetPublic;

internal static class Data
{
    /// <summary>The ETag of an active provider's profile from its row version alone (ConditionalGets.VersionETag); null when it is not public.</summary>
    public static async Task<string?> ETagAsync(NpgsqlConnection connection, int id, CancellationToken ct) =>
        (await Pg.QueryAsync(connection, "SELECT xmin FROM marketplace.providers WHERE id = $1 AND status = 'active' AND deleted_at IS NULL",
            r => ConditionalGets.VersionETag([r.GetFieldValue<uint>(0)]), ct, Pg.P(id))).FirstOrDefault();

    /// <summary>An active, not deleted provider (pending and suspended ones are not public), with the ETag of its row version.</summary>
    public static async Task<(Response Profile, string ETag)?> GetAsync(Db db, int id, CancellationToken ct)
    {
        var p = await db.Providers
            .Where(p => p.Id == id && p.Status == "active" && p.DeletedAt == null)
            .Select(p => new
            {
                p.Id, p.ProviderType, p.BusinessName, p.BusinessDescription, p.LogoUrl, p.CoverImageUrl, p.PublicEmail, p.PublicPhone,
                p.Website, p.City, p.State, p.Zip, p.Country, p.BusinessHours, p.TimeZone, p.ActiveListings, p.CompletedTransactions,
                p.AverageRating, p.TotalReviews, p.VerifiedProvider, p.PremiumProvider, p.QuickResponder, p.ActivatedAt,
                Version = Sql.Property<uint>(p, "xmin"),
            })
            .FirstOrDefaultAsync(ct);
        return p is null ? null : (new Response(
            p.Id, p.ProviderType, p.BusinessName, p.BusinessDescription, p.LogoUrl, p.CoverImageUrl, p.PublicEmail, p.PublicPhone,
            p.Website, p.City, p.State, p.Zip, p.Country, BusinessHours.FromJson(p.BusinessHours), p.TimeZone, p.ActiveListings,
            p.CompletedTransactions, p.AverageRating, p.TotalReviews, p.VerifiedProvider, p.PremiumProvider, p.QuickResponder, p.ActivatedAt),
            ConditionalGets.VersionETag([p.Version]));
    }
}
