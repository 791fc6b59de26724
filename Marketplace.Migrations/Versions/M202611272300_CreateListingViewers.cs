using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Listing views counted once per viewer per listing per UTC day, flushed in batches by the API
/// (Features/Listings/ListingViews.cs). listing_viewers is the de-duplication: a viewer is an HMAC
/// of the user id or of the client network + User-Agent (never the raw values), so only a newly
/// inserted row adds to service_listings.view_count, whichever instance inserts it. A flush sets
/// marketplace.counting_views for its transaction, and the updated_at trigger does not fire then:
/// a view never changes a listing's updatedAt. No foreign key to service_listings on purpose: its
/// check would take a KEY SHARE lock on each viewed listing during the flush, which conflicts with
/// the FOR UPDATE of booking and listing writes; listings are never physically deleted, the flush
/// inserts only ids that exist, and the rows are purged after a few days anyway.
/// </summary>
[Migration(202611272300, "Listing viewers per day; counting views does not move updated_at")]
public sealed class M202611272300_CreateListingViewers : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.listing_viewers (
    day         date    NOT NULL,
    listing_id  integer NOT NULL,
    viewer      bytea   NOT NULL,
    CONSTRAINT pk_listing_viewers PRIMARY KEY (day, listing_id, viewer),
    CONSTRAINT ck_listing_viewers_viewer_length CHECK (octet_length(viewer) = 16)
);
COMMENT ON TABLE marketplace.listing_viewers IS 'Who viewed a listing on a UTC day (HMAC of user or network + agent); a view counts only when its row is new. Purged after a few days.';

DROP TRIGGER trg_service_listings_set_updated_at ON marketplace.service_listings;
CREATE TRIGGER trg_service_listings_set_updated_at BEFORE UPDATE ON marketplace.service_listings
    FOR EACH ROW WHEN (current_setting('marketplace.counting_views', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION marketplace.set_updated_at();
");

    public override void Down() => Execute.Sql(@"
DROP TRIGGER trg_service_listings_set_updated_at ON marketplace.service_listings;
CREATE TRIGGER trg_service_listings_set_updated_at BEFORE UPDATE ON marketplace.service_listings
    FOR EACH ROW EXECUTE FUNCTION marketplace.set_updated_at();
DROP TABLE marketplace.listing_viewers;
");
}
