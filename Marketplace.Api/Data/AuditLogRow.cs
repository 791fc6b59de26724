using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("audit_log", Schema = "marketplace")]
public sealed class AuditLogRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }

    // transaction | invoice | provider | listing | review | user
    [Column("entity_type"), NotNull] public string EntityType { get; set; } = "";
    [Column("entity_id")] public long EntityId { get; set; }
    [Column("action"), NotNull] public string Action { get; set; } = "";
    [Column("from_status")] public string? FromStatus { get; set; }
    [Column("to_status")] public string? ToStatus { get; set; }

    // Null when the system acted (webhook, job).
    [Column("actor_user_id")] public int? ActorUserId { get; set; }
    [Column("actor_role")] public string? ActorRole { get; set; }
    [Column("details", DataType = DataType.BinaryJson)] public string? Details { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
}
