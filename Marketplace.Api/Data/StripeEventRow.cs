using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("stripe_events", Schema = "marketplace")]
public sealed class StripeEventRow
{
    [Column("id"), PrimaryKey, NotNull] public string Id { get; set; } = "";
    [Column("type"), NotNull] public string Type { get; set; } = "";
    [Column("livemode")] public bool Livemode { get; set; }

    // The connected account of a Connect event (account.updated), else null.
    [Column("account")] public string? Account { get; set; }
    [Column("api_version")] public string? ApiVersion { get; set; }
    [Column("object_id")] public string? ObjectId { get; set; }
    [Column("event_created_at", DataType = DataType.DateTimeOffset)] public DateTime EventCreatedAt { get; set; }
    [Column("received_at", DataType = DataType.DateTimeOffset)] public DateTime ReceivedAt { get; set; }
    [Column("processed_at", DataType = DataType.DateTimeOffset)] public DateTime? ProcessedAt { get; set; }

    // applied | no_change | ignored | unmatched | deferred | stale | amount_mismatch | currency_mismatch
    // | duplicate_payment | paid_after_cancel | awaiting_payment | payment_failed | dispute
    [Column("outcome"), NotNull] public string Outcome { get; set; } = "";
    [Column("detail")] public string? Detail { get; set; }
    [Column("invoice_id")] public int? InvoiceId { get; set; }
    [Column("transaction_id")] public long? TransactionId { get; set; }
    [Column("provider_id")] public int? ProviderId { get; set; }
    [Column("payload", DataType = DataType.BinaryJson), NotNull] public string Payload { get; set; } = "";
}
