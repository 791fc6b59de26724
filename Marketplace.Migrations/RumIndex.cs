namespace Marketplace.Migrations;

/// <summary>
/// The RUM index that orders full-text matches by rank (relevance over every match, issue 15).
/// <b>Opt-in, not a migration.</b> rum 1.3.13 (Debian's <c>postgresql-15-rum</c>, the version in
/// reach) writes generic WAL for newly allocated index pages without a full page image
/// (postgrespro/rum#179), so a streaming standby replaying inserts into a RUM index stops with
/// "PANIC: WAL contains references to invalid pages". Measured here: the read-replica test's standby
/// crashed as soon as listings were written with the index in place. Read replicas (README: Read
/// replicas) matter more than ranking speed, so the index is created only by an operator who runs
/// no physical standby (or a fixed rum), with <see cref="CreateSql"/> (README: Search); the API
/// finds it at its next start and falls back to ranking the newest matches without it.
/// </summary>
public static class RumIndex
{
    public const string IndexName = "ix_service_listings_live_search_rum";

    /// <summary>
    /// Creates the extension (in schema marketplace) and the index where the extension is available
    /// and the role may create it; otherwise changes nothing (a NOTICE says why). Idempotent.
    /// </summary>
    public const string CreateSql = """
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
            EXECUTE format('CREATE INDEX IF NOT EXISTS ix_service_listings_live_search_rum ON marketplace.service_listings '
                'USING rum (search_vector %I.rum_tsvector_ops) WHERE status = ''active'' AND deleted_at IS NULL', rum_schema);
        END
        $$;
        """;

    /// <summary>Removes the index and the extension (relevance falls back at the API's next start).</summary>
    public const string DropSql = """
        DROP INDEX IF EXISTS marketplace.ix_service_listings_live_search_rum;
        DROP EXTENSION IF EXISTS rum;
        """;
}
