using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Relevance over every match without the RUM extension (issue 15): GET /listings?sort=relevance ranks a match by where
/// the search text matches (the title alone, else title and keywords, else the description) and pages each tier
/// newest first. These GIN indexes of the title's and of the title's and keywords' lexemes (the A and B weights of
/// search_vector) serve a tier whose matches are few, and, as expression indexes, give ANALYZE each word's frequency in
/// titles and keywords, from which the planner chooses between them and the newest-first index for a tier whose matches
/// are many. Not partial: PostgreSQL ignores the expression statistics of a partial index when it estimates (measured:
/// 835 estimated title matches of "puppy" against 11,613, and every match sorted, 34-265 ms at 200k listings, where the
/// newest-first walk takes 2 ms).
/// </summary>
[Migration(202611273200, "GIN indexes of title and title + keyword lexemes for tiered relevance")]
public sealed class M202611273200_IndexSearchTiers : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_service_listings_search_title ON marketplace.service_listings USING gin (ts_filter(search_vector, '{a}'));
        CREATE INDEX ix_service_listings_search_title_keywords ON marketplace.service_listings USING gin (ts_filter(search_vector, '{a,b}'));
        -- the expressions' statistics exist from the next ANALYZE on; autovacuum may not run one for a long time on a large, settled table
        ANALYZE marketplace.service_listings;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_service_listings_search_title_keywords;
        DROP INDEX marketplace.ix_service_listings_search_title;
        """);
}
