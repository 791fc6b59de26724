using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Archive;

internal static class Data
{
    /// <summary>draft | active | paused -> archived, as one conditional update; archived is final.</summary>
    public static Task<int> ArchiveAsync(Db db, int listingId, int providerId, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.ProviderId == providerId && l.DeletedAt == null
                && (l.Status == "draft" || l.Status == "active" || l.Status == "paused"))
            .Set(l => l.Status, "archived")
            .UpdateAsync(ct);
}
