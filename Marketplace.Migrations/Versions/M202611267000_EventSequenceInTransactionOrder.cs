using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// The feed's rule "return only rows whose tx_id is older than every running transaction" is only
/// safe when sequence follows tx_id: with an identity, a transaction that got its xid first (at its
/// first write) can take a LARGER sequence than one that started later, be visible first, and let a
/// reader move past the other's smaller number before it commits. So sequence becomes
/// (tx_id << 20) | n, n counting the transaction's events: ordered by transaction id, then insert
/// order; every transaction that commits later has an xid (hence every sequence) above what a
/// reader returned.
/// </summary>
[Migration(202611267000, "Domain event sequence ordered by writing transaction (the feed never skips a later commit)")]
public sealed class M202611267000_EventSequenceInTransactionOrder : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE FUNCTION marketplace.next_domain_event_sequence() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := coalesce(nullif(current_setting('marketplace.domain_event_ordinal', true), ''), '0')::integer + 1;
BEGIN
    -- transaction-local: starts again at 1 in the next transaction
    PERFORM set_config('marketplace.domain_event_ordinal', n::text, true);
    RETURN (pg_current_xact_id()::text::bigint << 20) | n;
END $$;

COMMENT ON FUNCTION marketplace.next_domain_event_sequence() IS 'Feed position of a new domain event: (writing transaction id << 20) | its ordinal in that transaction.';

ALTER TABLE marketplace.domain_events ALTER COLUMN sequence DROP IDENTITY;
ALTER TABLE marketplace.domain_events ALTER COLUMN sequence SET DEFAULT marketplace.next_domain_event_sequence();
COMMENT ON COLUMN marketplace.domain_events.sequence IS 'Feed position: (tx_id << 20) | ordinal in the transaction. Readers only take rows whose tx_id is older than every running transaction (pg_snapshot_xmin), so a row committed later always has a larger number than every row already read.';
");

    public override void Down() => Execute.Sql(@"
ALTER TABLE marketplace.domain_events ALTER COLUMN sequence DROP DEFAULT;
DO $$
DECLARE start_at bigint := (SELECT coalesce(max(sequence), 0) + 1 FROM marketplace.domain_events);
BEGIN
    EXECUTE format('ALTER TABLE marketplace.domain_events ALTER COLUMN sequence ADD GENERATED ALWAYS AS IDENTITY (START WITH %s)', start_at);
END $$;
DROP FUNCTION marketplace.next_domain_event_sequence();
COMMENT ON COLUMN marketplace.domain_events.sequence IS 'Feed position.';
");
}
