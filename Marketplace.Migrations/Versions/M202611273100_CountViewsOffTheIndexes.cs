using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// A flush of listing views no longer rewrites the listing's indexes (issue 15 item 4). The flush
/// adds to <c>views_counted</c>, which no index holds, so with room on the page (fillfactor 90) its
/// UPDATE is HOT: the new row version stays on its page and none of the ~21 indexes of
/// service_listings (the full-text GIN among them) gets an entry. Before, it added to
/// <c>view_count</c>, which the popular sort's index holds: every flush wrote a new entry in every
/// index for every listing viewed since the last one. <c>view_count</c> (viewCount in answers, the
/// popular sort, the dashboard) is now published from <c>views_counted</c> by a background job
/// every Marketplace:Views:PublishSeconds, one index write per listing per publish instead of per
/// flush. Both columns are set in the transactions that skip the updated_at trigger.
/// </summary>
[Migration(202611273100, "Views are counted in views_counted (no index: HOT), published into view_count by a job")]
public sealed class M202611273100_CountViewsOffTheIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.service_listings ADD COLUMN views_counted integer NOT NULL DEFAULT 0,
            ADD CONSTRAINT ck_service_listings_views_counted_nonnegative CHECK (views_counted >= 0);
        COMMENT ON COLUMN marketplace.service_listings.views_counted IS 'Views counted so far (listing_viewers rows inserted); in no index, so a flush is a HOT update. Published into view_count by a job.';
        COMMENT ON COLUMN marketplace.service_listings.view_count IS 'Views as published from views_counted (every Marketplace:Views:PublishSeconds): viewCount, the popular sort and its index.';
        SELECT set_config('marketplace.counting_views', 'on', true);
        UPDATE marketplace.service_listings SET views_counted = view_count WHERE view_count <> 0;
        ALTER TABLE marketplace.service_listings SET (fillfactor = 90);
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE marketplace.service_listings RESET (fillfactor);
        SELECT set_config('marketplace.counting_views', 'on', true);
        UPDATE marketplace.service_listings SET view_count = views_counted WHERE view_count <> views_counted;
        ALTER TABLE marketplace.service_listings DROP COLUMN views_counted;
        """);
}
