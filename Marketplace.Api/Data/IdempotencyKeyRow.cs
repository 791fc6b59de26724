using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("idempotency_keys", Schema = "marketplace")]
public sealed class IdempotencyKeyRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }
    [Column("user_id")] public int UserId { get; set; }
    [Column("route"), NotNull] public string Route { get; set; } = "";
    [Column("idempotency_key"), NotNull] public string Key { get; set; } = "";

    // SHA-256 (hex) of the request: route values and body.
    [Column("request_hash"), NotNull] public string RequestHash { get; set; } = "";

    // Null while the first request is still running.
    [Column("response_status")] public int? ResponseStatus { get; set; }
    [Column("response_body")] public string? ResponseBody { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("completed_at", DataType = DataType.DateTimeOffset)] public DateTime? CompletedAt { get; set; }
}
