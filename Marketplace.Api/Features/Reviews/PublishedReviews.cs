using System.Data.Common;
using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews;

/// <summary>A page of published reviews with the rating summary of all of them.</summary>
public sealed record ReviewPage(RatingSummary Summary, IReadOnlyList<PublicReview> Items, string? NextCursor);

/// <summary>Published reviews only: their average rating (two decimals, half up), count and count per star.</summary>
/// <param name="RatingCounts">How many reviews gave each star: keys "1" to "5".</param>
public sealed record RatingSummary(decimal AverageRating, int TotalReviews, IReadOnlyDictionary<string, int> RatingCounts);

/// <summary>A review as the public sees it; the reviewer is shown as first name and last initial.</summary>
public sealed record PublicReview(
    int Id,
    int ProviderId,
    int? ListingId,
    int Rating,
    string? Title,
    string? ReviewText,
    string ReviewerName,
    DateTime CreatedAt,
    string? ProviderResponse,
    DateTime? RespondedAt);

/// <summary>
/// The public review lists of a listing and of a provider: published and flagged reviews (flagged ones
/// stay until an admin removes them), newest first, keyset pages, plus the summary in one aggregate query.
/// </summary>
internal static class PublishedReviews
{
    private sealed record Key(DateTime CreatedAt, int Id);

    public enum Scope { Listing, Provider }

    public static async Task<ReviewPage> PageAsync(Db db, Cursors cursors, Scope scope, int id, int? limit, string? cursor, CancellationToken ct)
    {
        var list = new CursorScope(scope == Scope.Listing ? "listings.reviews" : "providers.reviews", new { id });
        var after = cursors.Decode<Key>(cursor, list);
        var take = limit ?? Paging.DefaultLimit;
        var summary = await SummaryAsync(db, scope, id, ct);

        Expression<Func<ReviewRow, bool>> inScope = scope == Scope.Listing ? r => r.ListingId == id : r => r.ProviderId == id;
        var reviews = db.Reviews.Where(inScope).Where(r => r.Status == "published" || r.Status == "flagged");
        if (after is not null)
        {
            reviews = reviews.Where(r => r.CreatedAt < after.CreatedAt || (r.CreatedAt == after.CreatedAt && r.Id < after.Id));
        }
        var rows = await (
            from r in reviews
            join u in db.Users on r.ClientId equals u.Id
            orderby r.CreatedAt descending, r.Id descending
            select new { r.Id, r.ProviderId, r.ListingId, r.Rating, r.Title, r.ReviewText, u.FirstName, u.LastName, r.CreatedAt, r.ProviderResponse, r.RespondedAt })
            .Take(take + 1)
            .ToListAsync(ct);
        var items = rows.Select(r => new PublicReview(
            r.Id, r.ProviderId, r.ListingId, r.Rating, r.Title, r.ReviewText, ReviewerName(r.FirstName, r.LastName),
            r.CreatedAt, r.ProviderResponse, r.RespondedAt)).ToList();
        var page = cursors.Page(items, take, r => new Key(r.CreatedAt, r.Id), list);
        return new ReviewPage(summary, page.Items, page.NextCursor);
    }

    /// <summary>One review as the public lists answer it, whatever its status (review events carry it).</summary>
    public static async Task<(PublicReview Review, int ClientId)> LoadAsync(Db db, int reviewId, CancellationToken ct)
    {
        var r = await (
            from x in db.Reviews
            join u in db.Users on x.ClientId equals u.Id
            where x.Id == reviewId
            select new { x.Id, x.ProviderId, x.ListingId, x.Rating, x.Title, x.ReviewText, u.FirstName, u.LastName, x.CreatedAt, x.ProviderResponse, x.RespondedAt, x.ClientId })
            .FirstAsync(ct);
        return (new PublicReview(r.Id, r.ProviderId, r.ListingId, r.Rating, r.Title, r.ReviewText, ReviewerName(r.FirstName, r.LastName),
            r.CreatedAt, r.ProviderResponse, r.RespondedAt), r.ClientId);
    }

    /// <summary>Count, average and stars of the scope's published reviews, in one aggregate query (partial indexes ix_reviews_published_*).</summary>
    private static async Task<RatingSummary> SummaryAsync(Db db, Scope scope, int id, CancellationToken ct)
    {
        // the column is chosen from the enum, never from input
        var column = scope == Scope.Listing ? "listing_id" : "provider_id";
        var rows = await db.QueryToListAsync(
            static (DbDataReader r) => new RatingSummary(
                r.GetDecimal(0),
                r.GetInt32(1),
                new Dictionary<string, int>
                {
                    ["1"] = r.GetInt32(2), ["2"] = r.GetInt32(3), ["3"] = r.GetInt32(4), ["4"] = r.GetInt32(5), ["5"] = r.GetInt32(6),
                }),
            $"""
            SELECT COALESCE(round(avg(rating), 2), 0.00)::numeric(3,2),
                   count(*)::int,
                   (count(*) FILTER (WHERE rating = 1))::int,
                   (count(*) FILTER (WHERE rating = 2))::int,
                   (count(*) FILTER (WHERE rating = 3))::int,
                   (count(*) FILTER (WHERE rating = 4))::int,
                   (count(*) FILTER (WHERE rating = 5))::int
              FROM marketplace.reviews
             WHERE {column} = @id AND status IN ('published', 'flagged')
            """, ct,
            new DataParameter("id", id, DataType.Int32));
        return rows[0];
    }

    /// <summary>"Ada L.": enough to tell reviewers apart, not enough to find them.</summary>
    public static string ReviewerName(string? firstName, string? lastName)
    {
        var first = firstName?.Trim();
        var initial = lastName?.Trim() is { Length: > 0 } last ? $" {char.ToUpperInvariant(last[0])}." : "";
        return string.IsNullOrEmpty(first) ? (initial.Length > 0 ? initial.Trim() : "A client") : first + initial;
    }
}
