using System.Globalization;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Reviews;

/// <summary>A review as operators see it, with its provider's rating after any change.</summary>
/// <param name="Id">The review's id.</param>
/// <param name="TransactionId">The booking it reviews.</param>
/// <param name="ProviderId">The reviewed provider.</param>
/// <param name="ClientId">The reviewer.</param>
/// <param name="ListingId">The listing, if any.</param>
/// <param name="Rating">1 to 5.</param>
/// <param name="Title">Its title.</param>
/// <param name="ReviewText">Its text.</param>
/// <param name="ProviderResponse">The provider's answer.</param>
/// <param name="Status">published | flagged | removed</param>
/// <param name="FlaggedReason">The provider's reason for flagging it.</param>
/// <param name="FlaggedAt">When it was flagged.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="UpdatedAt">Last change.</param>
/// <param name="ProviderAverageRating">The provider's average rating (published and flagged reviews).</param>
/// <param name="ProviderTotalReviews">The provider's counted reviews.</param>
public sealed record AdminReview(
    int Id, long TransactionId, int ProviderId, int ClientId, int? ListingId, int Rating, string? Title, string? ReviewText,
    string? ProviderResponse, string Status, string? FlaggedReason, DateTime? FlaggedAt, DateTime CreatedAt, DateTime UpdatedAt,
    decimal ProviderAverageRating, int ProviderTotalReviews);

/// <summary>
/// An admin's moderation move (remove, restore): one conditional status update under the provider's
/// lock, the rating recomputed from the rows, the audit row with the admin's reason and the event,
/// all in one transaction.
/// </summary>
internal static class Moderation
{
    public static IQueryable<AdminReview> Query(Db db) =>
        from r in db.Reviews
        join p in db.Providers on r.ProviderId equals p.Id
        select new AdminReview(r.Id, r.TransactionId, r.ProviderId, r.ClientId, r.ListingId, r.Rating, r.Title, r.ReviewText,
            r.ProviderResponse, r.Status, r.FlaggedReason, r.FlaggedAt, r.CreatedAt, r.UpdatedAt, p.AverageRating, p.TotalReviews);

    public static async Task<AdminReview> MoveAsync(Db db, TimeProvider clock, CurrentUser admin, int reviewId, string[] from, string to,
        string action, string eventType, string reason, CancellationToken ct)
    {
        var found = await db.Reviews.Where(r => r.Id == reviewId).Select(r => new { r.ProviderId, r.ClientId }).FirstOrDefaultAsync(ct)
            ?? throw ApiProblem.NotFound("review");
        return await db.InTransactionAsync(async c =>
        {
            await LockOrder.ProviderAsync(db, found.ProviderId, c);
            var current = await db.Reviews.Where(r => r.Id == reviewId).Select(r => r.Status).FirstAsync(c);
            var moved = await db.Reviews.Where(r => r.Id == reviewId && from.Contains(r.Status))
                .Set(r => r.Status, to)
                .Set(r => r.UpdatedAt, clock.GetUtcNow().UtcDateTime)
                .UpdateAsync(c);
            if (moved == 0)
            {
                throw ApiProblem.InvalidTransition($"A review that is {current} cannot be {action}d; only {string.Join(" or ", from)} ones can.");
            }
            await Features.Reviews.ProviderRating.RecomputeAsync(db, found.ProviderId, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("review", reviewId, action, current, to, admin.Id, AdminRules.ActorRole, new { reason }), c);
            var review = await Query(db).FirstAsync(r => r.Id == reviewId, c);
            await ResourceEvents.ReviewAsync(db, clock, eventType, reviewId, c);
            return review;
        }, ct);
    }
}
