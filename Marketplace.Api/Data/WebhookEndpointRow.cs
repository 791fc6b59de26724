using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("webhook_endpoints", Schema = "marketplace")]
public sealed class WebhookEndpointRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("user_id")] public int UserId { get; set; }
    [Column("url")] public string Url { get; set; } = "";
    [Column("event_types", DbType = "text[]")] public string[] EventTypes { get; set; } = [];
    [Column("secret_encrypted")] public byte[] SecretEncrypted { get; set; } = [];
    [Column("previous_secret_encrypted")] public byte[]? PreviousSecretEncrypted { get; set; }
    [Column("previous_secret_expires_at", DataType = DataType.DateTimeOffset)] public DateTime? PreviousSecretExpiresAt { get; set; }
    [Column("disabled")] public bool Disabled { get; set; }
    [Column("disabled_reason")] public string? DisabledReason { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
}

[Table("webhook_deliveries", Schema = "marketplace")]
public sealed class WebhookDeliveryRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }
    [Column("endpoint_id")] public int EndpointId { get; set; }
    [Column("event_id")] public Guid EventId { get; set; }
    [Column("event_sequence")] public long EventSequence { get; set; }
    [Column("status")] public string Status { get; set; } = "";
    [Column("attempts")] public int Attempts { get; set; }
    [Column("next_attempt_at", DataType = DataType.DateTimeOffset)] public DateTime NextAttemptAt { get; set; }
    [Column("lease_id")] public Guid? LeaseId { get; set; }
    [Column("leased_until", DataType = DataType.DateTimeOffset)] public DateTime? LeasedUntil { get; set; }
    [Column("last_response_code")] public int? LastResponseCode { get; set; }
    [Column("last_error")] public string? LastError { get; set; }
    [Column("last_attempt_at", DataType = DataType.DateTimeOffset)] public DateTime? LastAttemptAt { get; set; }
    [Column("delivered_at", DataType = DataType.DateTimeOffset)] public DateTime? DeliveredAt { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
}
