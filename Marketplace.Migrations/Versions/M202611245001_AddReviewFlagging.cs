using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// A provider flags a review for moderation; the review stays published (and counted) until a
/// moderator acts, so "flagged" is recorded beside the status, not in it.
/// </summary>
[Migration(202611245001, "Reviews: when a review was flagged, and the moderation queue index")]
public sealed class M202611245001_AddReviewFlagging : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.reviews ADD COLUMN flagged_at timestamptz NULL;

        COMMENT ON COLUMN marketplace.reviews.flagged_at IS 'When the reviewed provider flagged the review (reason in flagged_reason); the review stays published until a moderator acts.';

        -- the moderators' queue: flagged reviews still public, oldest first
        CREATE INDEX ix_reviews_flagged_at ON marketplace.reviews (flagged_at, id)
            WHERE flagged_at IS NOT NULL AND status = 'published';
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_reviews_flagged_at;
        ALTER TABLE marketplace.reviews DROP COLUMN flagged_at;
        """);
}
