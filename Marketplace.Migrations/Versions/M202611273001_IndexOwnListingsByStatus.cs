using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// GET /providers/me/listings?status=... in created order (issue 15). The status was a filter on
/// <c>ix_service_listings_provider_created (provider_id, created_at, id)</c>: a rare status (draft,
/// paused, archived) read every listing of the provider to fill a page (a provider with 245 listings
/// at 1M: 227 rows read and dropped for 18 drafts, 7.3 ms), work that grows with the provider. The
/// seed's <c>(provider_id, status)</c> index gets the order columns, so the status is an index
/// condition and the page a range in (created_at, id) order; it still serves every lookup by
/// provider (and status) it served, the cascade from providers included (it is not partial, for that).
/// Replaced, not added: service_listings keeps its number of indexes.
/// </summary>
[Migration(202611273001, "Own listings by status in created order: (provider_id, status, created_at, id)")]
public sealed class M202611273001_IndexOwnListingsByStatus : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_service_listings_provider_status_created ON marketplace.service_listings (provider_id, status, created_at DESC, id DESC);
        DROP INDEX marketplace.ix_service_listings_provider_id_status;
        """);

    public override void Down() => Execute.Sql("""
        CREATE INDEX ix_service_listings_provider_id_status ON marketplace.service_listings (provider_id, status);
        DROP INDEX marketplace.ix_service_listings_provider_status_created;
        """);
}
