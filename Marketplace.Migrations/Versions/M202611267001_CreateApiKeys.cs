using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611267001, "Create API keys (server-to-server integrations acting as their user)")]
public sealed class M202611267001_CreateApiKeys : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.api_keys (
    id            integer GENERATED ALWAYS AS IDENTITY,
    user_id       integer NOT NULL,
    name          varchar(100) NOT NULL,
    scope         varchar(10) NOT NULL,
    key_hash      char(64) NOT NULL,
    key_prefix    varchar(12) NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CONSTRAINT pk_api_keys PRIMARY KEY (id),
    CONSTRAINT fk_api_keys_user FOREIGN KEY (user_id) REFERENCES marketplace.users (id) ON DELETE CASCADE,
    CONSTRAINT ux_api_keys_key_hash UNIQUE (key_hash),
    CONSTRAINT ck_api_keys_scope CHECK (scope IN ('read', 'write'))
);
CREATE INDEX ix_api_keys_user_id ON marketplace.api_keys (user_id, id);
COMMENT ON TABLE marketplace.api_keys IS 'API keys (mk_...): only their SHA-256 is kept; a key acts as its user, read keys only on GET.';
COMMENT ON COLUMN marketplace.api_keys.key_prefix IS 'The first characters of the key, shown in lists so the owner can tell keys apart.';
COMMENT ON COLUMN marketplace.api_keys.last_used_at IS 'Moved at most once a minute, to keep authentication read-only on most requests.';
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.api_keys;");
}
