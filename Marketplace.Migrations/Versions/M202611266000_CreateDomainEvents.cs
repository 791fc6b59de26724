using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611266000, "Create the domain events log (the events feed and outbound webhooks read it)")]
public sealed class M202611266000_CreateDomainEvents : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.domain_events (
    sequence        bigint GENERATED ALWAYS AS IDENTITY,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    type            varchar(100) NOT NULL,
    occurred_at     timestamptz NOT NULL,
    resource_type   varchar(50) NOT NULL,
    resource_id     varchar(100) NOT NULL,
    data            jsonb NOT NULL,
    party_user_ids  integer[] NOT NULL DEFAULT '{}',
    tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT pk_domain_events PRIMARY KEY (sequence),
    CONSTRAINT ux_domain_events_id UNIQUE (id),
    CONSTRAINT ck_domain_events_type CHECK (type ~ '^[a-z_]+\.[a-z_]+$')
);

COMMENT ON TABLE marketplace.domain_events IS 'Every state change the product makes, written in the same database transaction as the change (a rolled-back change leaves no event).';
COMMENT ON COLUMN marketplace.domain_events.sequence IS 'Feed position. Assigned at insert, so it is not in commit order: readers only take rows whose tx_id is older than every transaction still running (pg_snapshot_xmin), so a row committed later with a smaller number is never skipped.';
COMMENT ON COLUMN marketplace.domain_events.data IS 'The resource as its GET answers it (to a party of it), at the time of the change.';
COMMENT ON COLUMN marketplace.domain_events.party_user_ids IS 'Users who may see this event in the feed and through their webhook endpoints and API keys.';
COMMENT ON COLUMN marketplace.domain_events.tx_id IS 'The writing transaction (pg_current_xact_id), for the commit-order rule of sequence.';

CREATE INDEX ix_domain_events_party_user_ids ON marketplace.domain_events USING gin (party_user_ids);
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.domain_events;");
}
