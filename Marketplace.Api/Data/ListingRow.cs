using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

// search_vector is a generated column: PostgreSQL maintains it, so it is not mapped (query it with Sql.Expr).
[Table("service_listings", Schema = "marketplace")]
public sealed class ListingRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("slug"), NotNull] public string Slug { get; set; } = "";
    [Column("title"), NotNull] public string Title { get; set; } = "";
    [Column("description")] public string? Description { get; set; }
    [Column("category"), NotNull] public string Category { get; set; } = "";
    [Column("subcategory")] public string? Subcategory { get; set; }

    [Column("price_cents")] public long? PriceCents { get; set; }
    [Column("price_type")] public string? PriceType { get; set; }
    [Column("price_text")] public string? PriceText { get; set; }

    // A JSON array of image URLs.
    [Column("images", DataType = DataType.BinaryJson)] public string? Images { get; set; }
    [Column("cover_image_url")] public string? CoverImageUrl { get; set; }

    [Column("city")] public string? City { get; set; }
    [Column("state")] public string? State { get; set; }
    [Column("zip")] public string? Zip { get; set; }

    [Column("duration")] public string? Duration { get; set; }
    [Column("availability")] public string? Availability { get; set; }
    [Column("meta_description")] public string? MetaDescription { get; set; }
    [Column("keywords")] public string? Keywords { get; set; }

    /// <summary>Views as last published from <see cref="ViewsCounted"/> (viewCount, the popular sort).</summary>
    [Column("view_count")] public int ViewCount { get; set; }

    /// <summary>Views counted by the flushes so far (in no index); published into <see cref="ViewCount"/> by the view job.</summary>
    [Column("views_counted")] public int ViewsCounted { get; set; }
    [Column("inquiry_count")] public int InquiryCount { get; set; }
    [Column("booking_count")] public int BookingCount { get; set; }

    [Column("status"), NotNull] public string Status { get; set; } = "draft";
    [Column("instant_booking")] public bool InstantBooking { get; set; } = true;
    // Overrides the provider's cancellation policy when set.
    [Column("cancellation_policy")] public string? CancellationPolicy { get; set; }
    [Column("published_at", DataType = DataType.DateTimeOffset)] public DateTime? PublishedAt { get; set; }
    [Column("paused_at", DataType = DataType.DateTimeOffset)] public DateTime? PausedAt { get; set; }

    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
    [Column("deleted_at", DataType = DataType.DateTimeOffset)] public DateTime? DeletedAt { get; set; }
}
