using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Review moderation uses the seed's statuses: a provider's flag moves a review to 'flagged'; it stays
/// public and counted (a provider cannot hide a bad review by flagging it) until an admin removes it
/// ('removed': hidden, not counted) or restores it ('published'). The public reads and the rating now
/// take 'published' and 'flagged' alike, so their partial indexes follow; the admins' queue gets its own.
/// </summary>
[Migration(202611268001, "Reviews: flagged is a status (public and counted until moderated); indexes for the public reads and the admins' queue")]
public sealed class M202611268001_ReviewModerationStatuses : Migration
{
    public override void Up() => Execute.Sql("""
        UPDATE marketplace.reviews SET status = 'flagged' WHERE status = 'published' AND flagged_at IS NOT NULL;

        DROP INDEX marketplace.ix_reviews_flagged_at;
        DROP INDEX marketplace.ix_reviews_published_listing;
        DROP INDEX marketplace.ix_reviews_published_provider;
        CREATE INDEX ix_reviews_published_listing ON marketplace.reviews (listing_id, created_at DESC, id DESC) WHERE status IN ('published', 'flagged');
        CREATE INDEX ix_reviews_published_provider ON marketplace.reviews (provider_id, created_at DESC, id DESC) WHERE status IN ('published', 'flagged');
        -- the admins' review lists, per status, newest first
        CREATE INDEX ix_reviews_status_created_at_id ON marketplace.reviews (status, created_at DESC, id DESC);

        COMMENT ON COLUMN marketplace.reviews.flagged_at IS 'When the reviewed provider flagged the review (reason in flagged_reason). A flagged review stays public and counted until an admin removes or restores it; a restored review keeps its flag date and cannot be flagged again.';
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_reviews_status_created_at_id;
        DROP INDEX marketplace.ix_reviews_published_provider;
        DROP INDEX marketplace.ix_reviews_published_listing;
        UPDATE marketplace.reviews SET status = 'published' WHERE status = 'flagged';
        CREATE INDEX ix_reviews_published_listing ON marketplace.reviews (listing_id, created_at DESC, id DESC) WHERE status = 'published';
        CREATE INDEX ix_reviews_published_provider ON marketplace.reviews (provider_id, created_at DESC, id DESC) WHERE status = 'published';
        CREATE INDEX ix_reviews_flagged_at ON marketplace.reviews (flagged_at, id) WHERE flagged_at IS NOT NULL AND status = 'published';
        COMMENT ON COLUMN marketplace.reviews.flagged_at IS 'When the reviewed provider flagged the review (reason in flagged_reason); the review stays published until a moderator acts.';
        """);
}
