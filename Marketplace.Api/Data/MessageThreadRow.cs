using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("message_threads", Schema = "marketplace")]
public sealed class MessageThreadRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("client_id")] public int ClientId { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("listing_id")] public int? ListingId { get; set; }
    [Column("transaction_id")] public long? TransactionId { get; set; }
    [Column("subject")] public string? Subject { get; set; }
    [Column("status"), NotNull] public string Status { get; set; } = "open";
    [Column("last_message_at", DataType = DataType.DateTimeOffset)] public DateTime? LastMessageAt { get; set; }
    [Column("last_message_preview")] public string? LastMessagePreview { get; set; }
    [Column("client_last_read_at", DataType = DataType.DateTimeOffset)] public DateTime? ClientLastReadAt { get; set; }
    [Column("provider_last_read_at", DataType = DataType.DateTimeOffset)] public DateTime? ProviderLastReadAt { get; set; }
    [Column("client_unread_count")] public int ClientUnreadCount { get; set; }
    [Column("provider_unread_count")] public int ProviderUnreadCount { get; set; }
    [Column("client_notified_at", DataType = DataType.DateTimeOffset)] public DateTime? ClientNotifiedAt { get; set; }
    [Column("provider_notified_at", DataType = DataType.DateTimeOffset)] public DateTime? ProviderNotifiedAt { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
}
