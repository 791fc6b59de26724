using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611270002, "The provider's calendar feed token (stored as its SHA-256 hash)")]
public sealed class M202611270002_AddProviderCalendarToken : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.providers ADD COLUMN calendar_token_hash bytea;
CREATE UNIQUE INDEX ux_providers_calendar_token_hash ON marketplace.providers (calendar_token_hash) WHERE calendar_token_hash IS NOT NULL;
COMMENT ON COLUMN marketplace.providers.calendar_token_hash IS 'SHA-256 of the secret in the provider''s iCalendar feed URL; rotating it replaces the hash, so the old URL stops at once.';
");

    public override void Down() => Execute.Sql(@"
DROP INDEX marketplace.ux_providers_calendar_token_hash;
ALTER TABLE marketplace.providers DROP COLUMN calendar_token_hash;
");
}
