using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("refresh_tokens", Schema = "marketplace")]
public sealed class RefreshTokenRow
{
    [PrimaryKey, Identity, Column("id")] public long Id { get; set; }
    [Column("session_id"), NotNull] public Guid SessionId { get; set; }
    [Column("token_hash"), NotNull] public string TokenHash { get; set; } = "";
    [Column("created_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime CreatedAt { get; set; }
    [Column("expires_at", DataType = DataType.DateTimeOffset), NotNull] public DateTime ExpiresAt { get; set; }
    [Column("used_at", DataType = DataType.DateTimeOffset)] public DateTime? UsedAt { get; set; }
}
