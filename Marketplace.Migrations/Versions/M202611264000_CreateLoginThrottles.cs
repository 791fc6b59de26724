using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Failed password checks, counted per (e-mail, client network), per e-mail over all networks
/// (the backstop) and per network over all e-mails (the cap); unknown e-mails are counted like
/// known ones, so the answers never tell which addresses have accounts. Keys and subjects are
/// HMAC-SHA256 digests (key derived from the signing key): no e-mail or address is stored. Replaces
/// users.failed_login_count / locked_until, which stay (unused) for a later clean-up.
/// </summary>
[Migration(202611264000, "Create the login throttles (failed password checks per e-mail and network)")]
public sealed class M202611264000_CreateLoginThrottles : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.login_throttles (
    key                 bytea NOT NULL,
    subject             bytea,
    failures            integer NOT NULL,
    window_started_at   timestamptz NOT NULL,
    blocked_until       timestamptz,
    expires_at          timestamptz NOT NULL,
    CONSTRAINT pk_login_throttles PRIMARY KEY (key),
    CONSTRAINT ck_login_throttles_failures CHECK (failures >= 0)
);

COMMENT ON TABLE marketplace.login_throttles IS 'Failed password checks per (e-mail, network), per e-mail and per network, keyed by HMAC digests; password checks are refused (429 too_many_attempts) until blocked_until. Rows past expires_at are purged.';
COMMENT ON COLUMN marketplace.login_throttles.subject IS 'HMAC of the e-mail address (null for a network''s row), so a password reset can clear every row of the address.';

CREATE INDEX ix_login_throttles_subject ON marketplace.login_throttles (subject) WHERE subject IS NOT NULL;
CREATE INDEX ix_login_throttles_expires_at ON marketplace.login_throttles (expires_at);
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.login_throttles;");
}
