using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews;

/// <summary>
/// Why a provider's conditional update of a review touched no row, shared by Respond and Flag: a
/// missing or removed review is 404; another provider's review (public, so not hidden) is 403
/// not_your_review; otherwise the review is the caller's and its state decides.
/// </summary>
internal static class ReviewAccess
{
    public static async Task<ReviewRow> ReviewedByCallerAsync(Db db, int reviewId, int providerId, CancellationToken ct)
    {
        var review = await db.Reviews.Where(r => r.Id == reviewId && r.Status != "removed").FirstOrDefaultAsync(ct)
            ?? throw ApiProblem.NotFound("review");
        if (review.ProviderId != providerId)
        {
            throw ApiProblem.Forbidden("not_your_review", "Only the reviewed provider can do this.");
        }
        return review;
    }
}
