using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611267002, "Create outbound webhook endpoints, their deliveries and the fan-out position")]
public sealed class M202611267002_CreateWebhookEndpoints : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.webhook_endpoints (
    id                          integer GENERATED ALWAYS AS IDENTITY,
    user_id                     integer NOT NULL,
    url                         varchar(2000) NOT NULL,
    event_types                 text[] NOT NULL,
    secret_encrypted            bytea NOT NULL,
    previous_secret_encrypted   bytea,
    previous_secret_expires_at  timestamptz,
    disabled                    boolean NOT NULL DEFAULT false,
    disabled_reason             varchar(50),
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    CONSTRAINT pk_webhook_endpoints PRIMARY KEY (id),
    CONSTRAINT fk_webhook_endpoints_user FOREIGN KEY (user_id) REFERENCES marketplace.users (id) ON DELETE CASCADE
);
CREATE INDEX ix_webhook_endpoints_user_id ON marketplace.webhook_endpoints (user_id, id);
COMMENT ON COLUMN marketplace.webhook_endpoints.secret_encrypted IS 'The signing secret (whsec_...), AES-GCM under a key derived from the signing key: it must be usable for signing, so it cannot only be hashed.';
COMMENT ON COLUMN marketplace.webhook_endpoints.previous_secret_encrypted IS 'The secret before the last rotation; it signs too until previous_secret_expires_at (24 h).';

CREATE TABLE marketplace.webhook_deliveries (
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    endpoint_id         integer NOT NULL,
    event_id            uuid NOT NULL,
    event_sequence      bigint NOT NULL,
    status              varchar(20) NOT NULL,
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL,
    lease_id            uuid,
    leased_until        timestamptz,
    last_response_code  integer,
    last_error          varchar(500),
    last_attempt_at     timestamptz,
    delivered_at        timestamptz,
    created_at          timestamptz NOT NULL,
    CONSTRAINT pk_webhook_deliveries PRIMARY KEY (id),
    CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES marketplace.webhook_endpoints (id) ON DELETE CASCADE,
    CONSTRAINT fk_webhook_deliveries_event FOREIGN KEY (event_id) REFERENCES marketplace.domain_events (id) ON DELETE CASCADE,
    CONSTRAINT ux_webhook_deliveries_endpoint_event UNIQUE (endpoint_id, event_id),
    CONSTRAINT ck_webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX ix_webhook_deliveries_due ON marketplace.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ix_webhook_deliveries_endpoint ON marketplace.webhook_deliveries (endpoint_id, id);
COMMENT ON COLUMN marketplace.webhook_deliveries.lease_id IS 'The attempt in flight: claimed with FOR UPDATE SKIP LOCKED and held until leased_until, so one instance at a time attempts a delivery.';

CREATE TABLE marketplace.webhook_fanout (
    id              integer NOT NULL,
    last_sequence   bigint NOT NULL,
    CONSTRAINT pk_webhook_fanout PRIMARY KEY (id),
    CONSTRAINT ck_webhook_fanout_single CHECK (id = 1)
);
INSERT INTO marketplace.webhook_fanout (id, last_sequence) VALUES (1, coalesce((SELECT max(sequence) FROM marketplace.domain_events), 0));
COMMENT ON TABLE marketplace.webhook_fanout IS 'How far the events feed has been turned into deliveries (same commit-order rule as GET /events).';
");

    public override void Down() => Execute.Sql(@"
DROP TABLE marketplace.webhook_fanout;
DROP TABLE marketplace.webhook_deliveries;
DROP TABLE marketplace.webhook_endpoints;
");
}
