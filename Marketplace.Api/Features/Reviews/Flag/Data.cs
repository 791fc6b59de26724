using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews.Flag;

internal static class Data
{
    /// <summary>
    /// Records the first flag only: published -> flagged. A flagged review remains public and counted
    /// in the provider's rating until an admin removes or restores it (a restored review keeps its
    /// flagged_at, so it cannot be flagged again).
    /// </summary>
    public static Task<int> FlagAsync(Db db, int reviewId, int providerId, string reason, DateTime now, CancellationToken ct) =>
        db.Reviews.Where(r => r.Id == reviewId && r.ProviderId == providerId && r.Status == "published" && r.FlaggedAt == null)
            .Set(r => r.Status, "flagged")
            .Set(r => r.FlaggedReason, reason)
            .Set(r => r.FlaggedAt, now)
            .Set(r => r.UpdatedAt, now)
            .UpdateAsync(ct);

    public static Task<Response> ReviewAsync(Db db, int reviewId, CancellationToken ct) =>
        db.Reviews.Where(r => r.Id == reviewId)
            .Select(r => new Response(r.Id, r.Status, r.FlaggedAt != null || r.Status == "flagged", r.FlaggedReason, r.FlaggedAt))
            .FirstAsync(ct);
}
