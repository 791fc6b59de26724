using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("messages", Schema = "marketplace")]
public sealed class MessageRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }
    [Column("thread_id")] public int ThreadId { get; set; }
    [Column("sender_id")] public int SenderId { get; set; }
    [Column("body"), NotNull] public string Body { get; set; } = "";
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
}
