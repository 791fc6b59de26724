using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// The large values written on the webhook's hot path (each Stripe event's payload, a few KB, and
/// the bodies of the mails it queues) are compressed when stored. PostgreSQL's default, pglz, costs
/// several times the CPU of lz4 for a similar ratio on JSON and HTML. Only new values are affected;
/// a server built without lz4 keeps its default (the migration checks and does nothing then).
/// </summary>
[Migration(202611246001, "Compress stripe_events.payload and the outbox bodies with lz4")]
public sealed class M202611246001_CompressLargeColumnsWithLz4 : Migration
{
    public override void Up() => Execute.Sql("""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
                ALTER TABLE marketplace.stripe_events ALTER COLUMN payload SET COMPRESSION lz4;
                ALTER TABLE marketplace.email_outbox ALTER COLUMN text_body SET COMPRESSION lz4, ALTER COLUMN html_body SET COMPRESSION lz4;
            END IF;
        END
        $$;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE marketplace.stripe_events ALTER COLUMN payload SET COMPRESSION default;
        ALTER TABLE marketplace.email_outbox ALTER COLUMN text_body SET COMPRESSION default, ALTER COLUMN html_body SET COMPRESSION default;
        """);
}
