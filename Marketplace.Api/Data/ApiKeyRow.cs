using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("api_keys", Schema = "marketplace")]
public sealed class ApiKeyRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("user_id")] public int UserId { get; set; }
    [Column("name")] public string Name { get; set; } = "";
    [Column("scope")] public string Scope { get; set; } = "";
    [Column("key_hash")] public string KeyHash { get; set; } = "";
    [Column("key_prefix")] public string KeyPrefix { get; set; } = "";
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("last_used_at", DataType = DataType.DateTimeOffset)] public DateTime? LastUsedAt { get; set; }
    [Column("revoked_at", DataType = DataType.DateTimeOffset)] public DateTime? RevokedAt { get; set; }
}
