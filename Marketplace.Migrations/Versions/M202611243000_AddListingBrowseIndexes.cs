using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Indexes for GET /listings (every sort is keyset-paginated on an index, so page 50 costs what
/// page 1 costs), for a provider's own listings and for saved listings. All partial on the
/// "active, not deleted" rows the public reads touch.
/// </summary>
[Migration(202611243000, "Add listing browse, provider listing and saved listing indexes")]
public sealed class M202611243000_AddListingBrowseIndexes : Migration
{
    public override void Up() => Execute.Sql(@"
-- category + state filter, newest first
CREATE INDEX ix_service_listings_live_category_state_published ON marketplace.service_listings (category, state, published_at DESC, id DESC)
    WHERE status = 'active' AND deleted_at IS NULL;
-- state (+ city) filter, newest first
CREATE INDEX ix_service_listings_live_state_city_published ON marketplace.service_listings (state, city, published_at DESC, id DESC)
    WHERE status = 'active' AND deleted_at IS NULL;
-- price sorts: listings without a price (contact, custom) come last in both directions
CREATE INDEX ix_service_listings_live_price_asc ON marketplace.service_listings ((coalesce(price_cents, 9223372036854775807)), id)
    WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX ix_service_listings_live_price_desc ON marketplace.service_listings ((coalesce(price_cents, -1)) DESC, id DESC)
    WHERE status = 'active' AND deleted_at IS NULL;
-- popular
CREATE INDEX ix_service_listings_live_views ON marketplace.service_listings (view_count DESC, id DESC)
    WHERE status = 'active' AND deleted_at IS NULL;
-- one provider's public listings
CREATE INDEX ix_service_listings_live_provider_published ON marketplace.service_listings (provider_id, published_at DESC, id DESC)
    WHERE status = 'active' AND deleted_at IS NULL;
-- GET /providers/me/listings: all of mine, newest first
CREATE INDEX ix_service_listings_provider_created ON marketplace.service_listings (provider_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- GET /saved-listings: keyset on (saved_at, id)
CREATE INDEX ix_saved_listings_user_id_saved_at_id ON marketplace.saved_listings (user_id, saved_at DESC, id DESC);
");

    public override void Down() => Execute.Sql(@"
DROP INDEX marketplace.ix_saved_listings_user_id_saved_at_id;
DROP INDEX marketplace.ix_service_listings_provider_created;
DROP INDEX marketplace.ix_service_listings_live_provider_published;
DROP INDEX marketplace.ix_service_listings_live_views;
DROP INDEX marketplace.ix_service_listings_live_price_desc;
DROP INDEX marketplace.ix_service_listings_live_price_asc;
DROP INDEX marketplace.ix_service_listings_live_state_city_published;
DROP INDEX marketplace.ix_service_listings_live_category_state_published;
");
}
