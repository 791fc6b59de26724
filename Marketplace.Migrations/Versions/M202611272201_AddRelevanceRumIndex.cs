using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Relevance over every match (issue 15): a RUM index keeps each word's positions in the index, so
/// <c>search_vector &lt;=&gt; query</c> (RUM's rank distance) is computed without reading the listings
/// and the matches come out in rank order. The RUM extension is a separate package (Debian:
/// <c>postgresql-15-rum</c>; scripts/postgres.sh and the database image install it). Where it is
/// not installed, or the migrating role may not create it, this migration changes nothing and the
/// API keeps ranking the newest matches (and logs a warning once); installing it later and running
/// the two statements below by hand switches the API over at its next start (README: Search).
/// </summary>
[Migration(202611272201, "Add the RUM index that orders full-text matches by rank, where the rum extension is available")]
public sealed class M202611272201_AddRelevanceRumIndex : Migration
{
    public override void Up() => Execute.Sql("""
        DO $$
        DECLARE
            rum_schema name;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') THEN
                RAISE NOTICE 'the rum extension is not installed: relevance ranks the newest matches only';
                RETURN;
            END IF;
            BEGIN
                CREATE EXTENSION IF NOT EXISTS rum WITH SCHEMA marketplace;
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE NOTICE 'not allowed to create the rum extension: relevance ranks the newest matches only';
                RETURN;
            END;
            -- an operator may have created the extension before, in another schema
            SELECT n.nspname INTO rum_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'rum';
            EXECUTE format('CREATE INDEX ix_service_listings_live_search_rum ON marketplace.service_listings '
                'USING rum (search_vector %I.rum_tsvector_ops) WHERE status = ''active'' AND deleted_at IS NULL', rum_schema);
        END
        $$;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX IF EXISTS marketplace.ix_service_listings_live_search_rum;
        DROP EXTENSION IF EXISTS rum;
        """);
}
