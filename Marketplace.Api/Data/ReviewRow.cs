using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("reviews", Schema = "marketplace")]
public sealed class ReviewRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("transaction_id")] public long TransactionId { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("client_id")] public int ClientId { get; set; }
    [Column("listing_id")] public int? ListingId { get; set; }
    [Column("rating")] public int Rating { get; set; }
    [Column("title")] public string? Title { get; set; }
    [Column("review_text")] public string? ReviewText { get; set; }
    [Column("provider_response")] public string? ProviderResponse { get; set; }
    [Column("responded_at", DataType = DataType.DateTimeOffset)] public DateTime? RespondedAt { get; set; }
    [Column("status"), NotNull] public string Status { get; set; } = "published";
    [Column("flagged_reason")] public string? FlaggedReason { get; set; }
    [Column("flagged_at", DataType = DataType.DateTimeOffset)] public DateTime? FlaggedAt { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
}
