using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("listing_availability", Schema = "marketplace")]
public sealed class ListingAvailabilityRow
{
    [Column("listing_id"), PrimaryKey] public int ListingId { get; set; }

    // A JSON array of { day, start, end } in the provider's time zone.
    [Column("weekly", DataType = DataType.BinaryJson), NotNull] public string Weekly { get; set; } = "[]";
    [Column("slot_minutes")] public int SlotMinutes { get; set; }
    [Column("buffer_minutes")] public int BufferMinutes { get; set; }
    [Column("seats")] public int Seats { get; set; } = 1;
    [Column("min_notice_hours")] public int MinNoticeHours { get; set; }
    [Column("max_advance_days")] public int MaxAdvanceDays { get; set; } = 90;
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
}

[Table("listing_availability_exceptions", Schema = "marketplace")]
public sealed class AvailabilityExceptionRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }
    [Column("listing_id")] public int ListingId { get; set; }
    [Column("start_at", DataType = DataType.DateTimeOffset)] public DateTime StartAt { get; set; }
    [Column("end_at", DataType = DataType.DateTimeOffset)] public DateTime EndAt { get; set; }
    [Column("seats")] public int Seats { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
}
