using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Browse at any catalogue size (issue 15): every filter and sort reads a bounded range of an index.
/// <list type="bullet">
/// <item>Price: the two <c>coalesce(price_cents, ...)</c> indexes could not take a price range as an
/// index condition (a range was filtered row by row: 16k rows at 200k listings, 81k at 1M). Browse
/// now reads listings with a price and those without as two branches of the plain
/// <c>ix_service_listings_live_price (price_cents, id)</c> (M202611240004), which serves both
/// directions, ranges and the no-price tail; the coalesce indexes go.</item>
/// <item>Place: <c>(state, city, published_at)</c> gave newest-first order only for state + city;
/// a state alone sorted all of the state's listings and a city alone had no index. One index per
/// column, newest first, serves state, city and both (city decides, state is checked on the row).</item>
/// </list>
/// service_listings keeps the same number of indexes (two dropped, two added, one replaced).
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
        """);

    public override void Down() => Execute.Sql("""
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
