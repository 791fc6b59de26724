using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Npgsql;

namespace Marketplace.Api.Features.Listings.GetBySlug;

internal sealed record Found(ListingRow Listing, ProviderSummary Provider, string ProviderStatus, bool ProviderDeleted, string ETag);

/// <summary>What an If-None-Match needs: who may see the listing, and the tag of its current answer.</summary>
internal sealed record Version(int Id, int ProviderId, string Status, string ProviderStatus, bool ProviderDeleted, string ETag);

internal static class Data
{
    // constant text with a positional parameter, read by ordinal: the LINQ query cost ~190 us per view to translate and materialise
    /// <summary>The statement (internal so benchmarks/RawFloor runs the very same text).</summary>
    internal const string BySlugSql = """
        SELECT l.id, l.provider_id, l.slug, l.title, l.description, l.category, l.subcategory, l.price_cents, l.price_type, l.price_text,
               l.images, l.cover_image_url, l.city, l.state, l.zip, l.duration, l.availability, l.meta_description, l.keywords,
               l.view_count, l.inquiry_count, l.booking_count, l.status, l.instant_booking, l.cancellation_policy,
               l.published_at, l.paused_at, l.created_at, l.updated_at,
               p.business_name, p.average_rating, p.total_reviews, p.verified_provider, p.status, p.deleted_at IS NOT NULL,
               l.xmin, p.xmin
          FROM marketplace.service_listings l
          JOIN marketplace.providers p ON p.id = l.provider_id
         WHERE l.slug = $1 AND l.deleted_at IS NULL
        """;

    /// <summary>
    /// The versions of the two rows the answer is built from (the listing, its provider): the ETag
    /// of the answer <see cref="BySlugSql"/> would give, from the slug's unique index and two heap
    /// tuples, with no text columns read and nothing serialised.
    /// </summary>
    internal const string VersionSql = """
        SELECT l.id, l.provider_id, l.status, p.status, p.deleted_at IS NOT NULL, l.xmin, p.xmin
          FROM marketplace.service_listings l
          JOIN marketplace.providers p ON p.id = l.provider_id
         WHERE l.slug = $1 AND l.deleted_at IS NULL
        """;

    public static async Task<Version?> VersionAsync(NpgsqlConnection connection, string slug, CancellationToken ct) =>
        (await Pg.QueryAsync(connection, VersionSql,
            r => new Version(r.GetInt32(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), ETag(r, 5)), ct, Pg.P(slug))).FirstOrDefault();

    private static string ETag(NpgsqlDataReader r, int first) =>
        ConditionalGets.VersionETag([r.GetFieldValue<uint>(first), r.GetFieldValue<uint>(first + 1)]);

    public static async Task<Found?> GetAsync(NpgsqlConnection connection, string slug, CancellationToken ct) =>
        (await Pg.QueryAsync(connection, BySlugSql, Read, ct, Pg.P(slug))).FirstOrDefault();

    private static Found Read(NpgsqlDataReader r) => new(
        new ListingRow
        {
            Id = r.GetInt32(0), ProviderId = r.GetInt32(1), Slug = r.GetString(2), Title = r.GetString(3), Description = r.Get<string>(4),
            Category = r.GetString(5), Subcategory = r.Get<string>(6), PriceCents = r.Get<long?>(7), PriceType = r.Get<string>(8),
            PriceText = r.Get<string>(9), Images = r.Get<string>(10), CoverImageUrl = r.Get<string>(11), City = r.Get<string>(12),
            State = r.Get<string>(13), Zip = r.Get<string>(14), Duration = r.Get<string>(15), Availability = r.Get<string>(16),
            MetaDescription = r.Get<string>(17), Keywords = r.Get<string>(18), ViewCount = r.GetInt32(19), InquiryCount = r.GetInt32(20),
            BookingCount = r.GetInt32(21), Status = r.GetString(22), InstantBooking = r.GetBoolean(23), CancellationPolicy = r.Get<string>(24),
            PublishedAt = r.Get<DateTime?>(25), PausedAt = r.Get<DateTime?>(26), CreatedAt = r.GetDateTime(27), UpdatedAt = r.GetDateTime(28),
        },
        new ProviderSummary(r.GetInt32(1), r.GetString(29), r.GetDecimal(30), r.GetInt32(31), r.GetBoolean(32)),
        r.GetString(33), r.GetBoolean(34), ETag(r, 35));
}
