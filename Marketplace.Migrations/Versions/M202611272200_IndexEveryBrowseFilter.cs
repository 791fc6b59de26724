using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Browse at any catalogue size (issue 15): every filter and sort reads a bounded range of an index.
/// <list type="bullet">
/// <item>Price: the two <c>coalesce(price_cents, ...)</c> indexes could not take a price range as an
/// index condition (a range was filtered row by row: 16k rows at 200k listings, 81k at 1M). Browse
/// now reads listings with a price and those without as two branches of the plain
/// <c>ix_service_listings_live_price (price_cents, id)</c> (M202611240004), which serves both
/// directions and ranges; the listings without a price (last in both directions, by id) have a
/// small partial index of their own, so that tail is read in order too. The coalesce indexes go.</item>
/// <item>Place: <c>(state, city, published_at)</c> gave newest-first order only for state + city;
/// a state alone sorted all of the state's listings and a city alone had no index. One index per
/// column, newest first, serves state, city and both (city decides, state is checked on the row).
/// Statistics on (state, city, category) tell the planner that a city implies its state, so it
/// no longer underestimates a city's listings eightfold and sorts them all.</item>
/// </list>
/// service_listings keeps its number of full indexes (two dropped, two added, one replaced) plus
/// the no-price one, written only for listings without a price.
/// </summary>
[Migration(202611272200, "Index every browse filter: price ranges on the plain price index, state and city newest first")]
public sealed class M202611272200_IndexEveryBrowseFilter : Migration
{
    public override void Up() => Execute.Sql("""
        DROP INDEX marketplace.ix_service_listings_live_price_asc;
        DROP INDEX marketplace.ix_service_listings_live_price_desc;
        DROP INDEX marketplace.ix_service_listings_live_state_city_published;
        CREATE INDEX ix_service_listings_live_state_published ON marketplace.service_listings (state, published_at DESC, id DESC)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_city_published ON marketplace.service_listings (city, published_at DESC, id DESC)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_unpriced ON marketplace.service_listings (id)
            WHERE status = 'active' AND deleted_at IS NULL AND price_cents IS NULL;
        CREATE STATISTICS marketplace.st_service_listings_place_category (ndistinct, dependencies)
            ON state, city, category FROM marketplace.service_listings;
        ANALYZE marketplace.service_listings;
        """);

    public override void Down() => Execute.Sql("""
        DROP STATISTICS marketplace.st_service_listings_place_category;
        DROP INDEX marketplace.ix_service_listings_live_unpriced;
        DROP INDEX marketplace.ix_service_listings_live_city_published;
        DROP INDEX marketplace.ix_service_listings_live_state_published;
        CREATE INDEX ix_service_listings_live_state_city_published ON marketplace.service_listings (state, city, published_at DESC, id DESC)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_price_asc ON marketplace.service_listings ((coalesce(price_cents, 9223372036854775807)), id)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_price_desc ON marketplace.service_listings ((coalesce(price_cents, -1)) DESC, id DESC)
            WHERE status = 'active' AND deleted_at IS NULL;
        """);
}
