using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("saved_listings", Schema = "marketplace")]
public sealed class SavedListingRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("user_id")] public int UserId { get; set; }
    [Column("listing_id")] public int ListingId { get; set; }
    [Column("saved_at", DataType = DataType.DateTimeOffset)] public DateTime SavedAt { get; set; }
}
