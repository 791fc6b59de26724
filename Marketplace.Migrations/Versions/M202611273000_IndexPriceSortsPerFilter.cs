using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Price sorts with a place or category filter in price order (issue 15). With only
/// <c>ix_service_listings_live_price (price_cents, id)</c>, a rare filter could not be read in price
/// order: <c>category=stud_service&amp;state=MN&amp;sort=price_asc</c> (960 listings of 1M) read all its
/// matches through the category + state index and sorted them, and its no-price tail walked
/// <c>ix_service_listings_live_unpriced</c> by id testing every listing without a price for the filter
/// (315 ms at 1M, 260 of them in the tail); a state or a city alone walked the whole price index testing
/// each row (20-90 ms at 1M). One index per filter that a price sort can be asked with, the price and
/// the id after the filter columns: the priced branch of the browse SQL is an index range in price
/// order under the filter (<c>price_cents IS NOT NULL</c>), and the no-price tail is the
/// <c>price_cents IS NULL</c> range of the same index, in id order (Browse.Data orders the tail by
/// (price_cents, id), which is id order within those NULLs), so a page of either branch reads about a
/// page of index entries. Both directions are the same index read backwards.
/// <list type="bullet">
/// <item><c>(category, state, price_cents, id)</c>: category + state (and + city, checked on the row);</item>
/// <item><c>(category, price_cents, id)</c>: a category alone;</item>
/// <item><c>(state, price_cents, id)</c>: a state alone;</item>
/// <item><c>(city, price_cents, id)</c>: a city, with or without its state.</item>
/// </list>
/// Without such a filter the no-price tail still reads <c>ix_service_listings_live_unpriced (id)</c>: read
/// through the NULL range of <c>ix_service_listings_live_price</c> instead, the planner (pricing that range
/// by the price column's poor correlation with the table) chose to AND a search's bitmap with it and sort
/// every match without a price (q=agility training, price_asc: 2.7 -> 51 ms at 200k). The write cost:
/// service_listings has 21 indexes instead of 17, so each insert and each non-HOT update (a view flush,
/// since view_count is indexed) writes four more index entries, all of them in partial indexes of live
/// listings only; at 1M listings the four take 143 MB (benchmarks/ListingSearch/README.md).
/// Combinations outside these (category + city without a state, subcategory, zip, price type, provider
/// with a price sort) walk the nearest of them and test the rest on the row: bounded by the filter's
/// selectivity within it, not by the catalogue.
/// </summary>
[Migration(202611273000, "Index price sorts under category, state, city and category + state, the no-price tail included")]
public sealed class M202611273000_IndexPriceSortsPerFilter : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_service_listings_live_category_state_price ON marketplace.service_listings (category, state, price_cents, id)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_category_price ON marketplace.service_listings (category, price_cents, id)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_state_price ON marketplace.service_listings (state, price_cents, id)
            WHERE status = 'active' AND deleted_at IS NULL;
        CREATE INDEX ix_service_listings_live_city_price ON marketplace.service_listings (city, price_cents, id)
            WHERE status = 'active' AND deleted_at IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_service_listings_live_city_price;
        DROP INDEX marketplace.ix_service_listings_live_state_price;
        DROP INDEX marketplace.ix_service_listings_live_category_price;
        DROP INDEX marketplace.ix_service_listings_live_category_state_price;
        """);
}
