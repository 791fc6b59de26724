using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611272000, "The free slot starts of each listing with a plan, per UTC day over the search horizon, for the browse availability filter")]
public sealed class M202611272000_CreateListingFreeDays : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.listing_free_days (
    listing_id    integer NOT NULL,
    day_start     timestamptz NOT NULL,
    free_seconds  integer[] NOT NULL,
    CONSTRAINT pk_listing_free_days PRIMARY KEY (listing_id, day_start),
    CONSTRAINT fk_listing_free_days_listing FOREIGN KEY (listing_id) REFERENCES marketplace.service_listings (id) ON DELETE CASCADE,
    CONSTRAINT ck_listing_free_days_minutes CHECK (cardinality(free_seconds) > 0)
);
COMMENT ON TABLE marketplace.listing_free_days IS 'Derived from plans, exceptions and holding bookings (Features/Listings/Availability/FreeDays.cs), rewritten in the transaction of every change: a row per listing and UTC day that has a slot with a seat left; free_seconds are the seconds after day_start (UTC midnight) at which those slots start. Notice and advance limits are applied when searching.';

CREATE TABLE marketplace.listing_free_day_horizon (
    listing_id     integer NOT NULL,
    covered_until  timestamptz NOT NULL,
    CONSTRAINT pk_listing_free_day_horizon PRIMARY KEY (listing_id),
    CONSTRAINT fk_listing_free_day_horizon_listing FOREIGN KEY (listing_id) REFERENCES marketplace.service_listings (id) ON DELETE CASCADE
);
COMMENT ON TABLE marketplace.listing_free_day_horizon IS 'How far listing_free_days of a listing are computed (exclusive UTC midnight); the daily roll-forward job extends it.';
");

    public override void Down() => Execute.Sql(@"
DROP TABLE marketplace.listing_free_day_horizon;
DROP TABLE marketplace.listing_free_days;
");
}
