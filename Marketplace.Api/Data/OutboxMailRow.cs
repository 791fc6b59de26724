using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("email_outbox", Schema = "marketplace")]
public sealed class OutboxMailRow
{
    [PrimaryKey, Identity, Column("id")] public long Id { get; set; }
    [Column("kind"), NotNull] public string Kind { get; set; } = "";
    [Column("to_address"), NotNull] public string ToAddress { get; set; } = "";
    [Column("subject"), NotNull] public string Subject { get; set; } = "";
    [Column("text_body"), NotNull] public string TextBody { get; set; } = "";
    [Column("html_body")] public string? HtmlBody { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime CreatedAt { get; set; }
    [Column("available_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime AvailableAt { get; set; }
    [Column("attempts"), NotNull] public int Attempts { get; set; }
    [Column("last_error")] public string? LastError { get; set; }
    [Column("sent_at", DataType = DataType.DateTimeOffset)] public DateTime? SentAt { get; set; }
    [Column("failed_at", DataType = DataType.DateTimeOffset)] public DateTime? FailedAt { get; set; }
}
