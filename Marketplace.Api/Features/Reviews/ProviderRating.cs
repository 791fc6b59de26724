using LinqToDB;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews;

/// <summary>
/// providers.average_rating and total_reviews (DESIGN: statistics kept exact in the same
/// transaction): recomputed from the rows, never incremented, by every change that moves them
/// (a new review, an admin's removal or restoration). Reviews that count: published and flagged
/// (a flag alone hides nothing); removed ones do not. round(numeric, 2) rounds half up. The caller
/// holds the provider's row lock (LockOrder), so each recomputation sees every review committed before it.
/// </summary>
public static class ProviderRating
{
    public static Task RecomputeAsync(Db db, int providerId, CancellationToken ct) =>
        db.ExecuteAsync("""
            UPDATE marketplace.providers p
               SET (average_rating, total_reviews) = (
                   SELECT COALESCE(round(avg(r.rating), 2), 0), count(*)
                     FROM marketplace.reviews r
                    WHERE r.provider_id = p.id AND r.status IN ('published', 'flagged'))
             WHERE p.id = @id
            """, ct, new DataParameter("id", providerId, DataType.Int32));
}
