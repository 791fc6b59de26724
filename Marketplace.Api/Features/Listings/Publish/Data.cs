using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Publish;

internal static class Data
{
    public static readonly string[] PublishableFrom = ["draft", "paused"];

    public static Task<string?> ProviderStatusAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null).Select(p => p.Status).FirstOrDefaultAsync(ct);

    /// <summary>
    /// draft | paused -> active, as one conditional update; publishedAt is kept from the first
    /// publication so pausing and re-publishing does not jump the "newest" order.
    /// </summary>
    public static Task<int> PublishAsync(Db db, int listingId, string fromStatus, DateTime now, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.DeletedAt == null && l.Status == fromStatus)
            .Set(l => l.Status, "active")
            .Set(l => l.PublishedAt, l => l.PublishedAt ?? now)
            .Set(l => l.PausedAt, (DateTime?)null)
            .UpdateAsync(ct);
}
