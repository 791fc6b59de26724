using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Fixed-window request counters shared by every API instance (the per-IP limit of the anonymous
/// auth endpoints): one upsert per limited request. Keys are HMAC-SHA256 digests of policy and client
/// (key derived from the signing key): no client address is stored.
/// </summary>
[Migration(202611264001, "Create the rate limit counters shared by all instances")]
public sealed class M202611264001_CreateRateLimitCounters : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.rate_limit_counters (
    key                 bytea NOT NULL,
    window_start        timestamptz NOT NULL,
    count               integer NOT NULL,
    CONSTRAINT pk_rate_limit_counters PRIMARY KEY (key, window_start)
);

COMMENT ON TABLE marketplace.rate_limit_counters IS 'Requests per rate-limit key and fixed window (one minute); old windows are purged every minute.';

CREATE INDEX ix_rate_limit_counters_window_start ON marketplace.rate_limit_counters (window_start);
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.rate_limit_counters;");
}
