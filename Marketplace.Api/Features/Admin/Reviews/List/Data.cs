using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Reviews.List;

internal static class Data
{
    /// <summary>One status, newest first on (created_at, id): ix_reviews_status_created_at_id.</summary>
    public static Task<List<AdminReview>> PageAsync(Db db, string status, int? providerId, Cursor? after, int limit, CancellationToken ct)
    {
        var q = Moderation.Query(db).Where(r => r.Status == status);
        if (providerId is not null)
        {
            q = q.Where(r => r.ProviderId == providerId);
        }
        if (after is not null)
        {
            q = q.Where(r => r.CreatedAt < after.CreatedAt || (r.CreatedAt == after.CreatedAt && r.Id < after.Id));
        }
        return q.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit + 1).ToListAsync(ct);
    }
}
