using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("user_sessions", Schema = "marketplace")]
public sealed class SessionRow
{
    [PrimaryKey, Column("id")] public Guid Id { get; set; }
    [Column("user_id"), NotNull] public int UserId { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime CreatedAt { get; set; }
    [Column("expires_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime ExpiresAt { get; set; }
    [Column("revoked_at", DataType = DataType.DateTimeOffset)] public DateTime? RevokedAt { get; set; }
    [Column("revoked_reason")] public string? RevokedReason { get; set; }
    [Column("user_agent")] public string? UserAgent { get; set; }
    [Column("ip_address")] public string? IpAddress { get; set; }
}
