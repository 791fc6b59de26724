using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Pause;

internal static class Data
{
    /// <summary>active -> paused, as one conditional update.</summary>
    public static Task<int> PauseAsync(Db db, int listingId, int providerId, DateTime now, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.ProviderId == providerId && l.DeletedAt == null && l.Status == "active")
            .Set(l => l.Status, "paused")
            .Set(l => l.PausedAt, now)
            .UpdateAsync(ct);
}
