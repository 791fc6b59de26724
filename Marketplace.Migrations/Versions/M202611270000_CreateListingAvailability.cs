using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611270000, "Availability plans and exceptions of listings; booking requests, declines and expiry; the hold window of a booking")]
public sealed class M202611270000_CreateListingAvailability : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.listing_availability (
    listing_id        integer NOT NULL,
    weekly            jsonb NOT NULL,
    slot_minutes      integer NOT NULL,
    buffer_minutes    integer NOT NULL DEFAULT 0,
    seats             integer NOT NULL DEFAULT 1,
    min_notice_hours  integer NOT NULL DEFAULT 0,
    max_advance_days  integer NOT NULL DEFAULT 90,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT pk_listing_availability PRIMARY KEY (listing_id),
    CONSTRAINT fk_listing_availability_listing FOREIGN KEY (listing_id) REFERENCES marketplace.service_listings (id) ON DELETE CASCADE,
    CONSTRAINT ck_listing_availability_slot CHECK (slot_minutes BETWEEN 5 AND 1440),
    CONSTRAINT ck_listing_availability_buffer CHECK (buffer_minutes BETWEEN 0 AND 1440),
    CONSTRAINT ck_listing_availability_seats CHECK (seats BETWEEN 1 AND 1000),
    CONSTRAINT ck_listing_availability_notice CHECK (min_notice_hours BETWEEN 0 AND 8760),
    CONSTRAINT ck_listing_availability_advance CHECK (max_advance_days BETWEEN 1 AND 730)
);
COMMENT ON TABLE marketplace.listing_availability IS 'When a listing can be booked: weekly periods in the provider''s time zone cut into slots of slot_minutes, buffer_minutes apart, each with seats places. No row: bookable without a time.';

CREATE TABLE marketplace.listing_availability_exceptions (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    listing_id  integer NOT NULL,
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    seats       integer NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT pk_listing_availability_exceptions PRIMARY KEY (id),
    CONSTRAINT fk_listing_availability_exceptions_listing FOREIGN KEY (listing_id) REFERENCES marketplace.service_listings (id) ON DELETE CASCADE,
    CONSTRAINT ck_listing_availability_exceptions_range CHECK (end_at > start_at),
    CONSTRAINT ck_listing_availability_exceptions_seats CHECK (seats BETWEEN 0 AND 1000)
);
COMMENT ON TABLE marketplace.listing_availability_exceptions IS 'Overrides of the weekly plan: seats 0 closes the period (a holiday), more opens it with that capacity.';
CREATE INDEX ix_listing_availability_exceptions_listing ON marketplace.listing_availability_exceptions (listing_id, start_at);

ALTER TABLE marketplace.service_listings ADD COLUMN instant_booking boolean NOT NULL DEFAULT true;

ALTER TABLE marketplace.transactions
    DROP CONSTRAINT ck_transactions_status,
    ADD CONSTRAINT ck_transactions_status CHECK (status IN ('requested', 'pending', 'invoiced', 'paid', 'in_progress', 'completed', 'cancelled', 'refunded', 'declined', 'expired')),
    ADD COLUMN hold_until timestamptz,
    ADD COLUMN decline_reason varchar(1000),
    ADD COLUMN declined_at timestamptz,
    ADD COLUMN expired_at timestamptz,
    ADD COLUMN reminder_sent_at timestamptz;
COMMENT ON COLUMN marketplace.transactions.hold_until IS 'When a requested or invoiced booking stops holding its slot (request expiry, payment window); the expiry job then moves it to expired.';

-- the seats a listing's slots have taken: only bookings that still hold one (released ones leave the index)
CREATE INDEX ix_transactions_listing_holds ON marketplace.transactions (listing_id, requested_start_at)
    WHERE status IN ('requested', 'pending', 'invoiced', 'paid', 'in_progress', 'completed') AND requested_start_at IS NOT NULL;
-- the reminder job's claim
CREATE INDEX ix_transactions_reminders ON marketplace.transactions (requested_start_at) WHERE status = 'paid' AND reminder_sent_at IS NULL;
-- the expiry job's claim
CREATE INDEX ix_transactions_hold_until ON marketplace.transactions (hold_until) WHERE status IN ('requested', 'invoiced');
");

    public override void Down() => Execute.Sql(@"
DROP INDEX marketplace.ix_transactions_hold_until;
DROP INDEX marketplace.ix_transactions_reminders;
DROP INDEX marketplace.ix_transactions_listing_holds;
UPDATE marketplace.transactions SET status = 'cancelled' WHERE status IN ('requested', 'declined', 'expired');
ALTER TABLE marketplace.transactions
    DROP COLUMN reminder_sent_at,
    DROP COLUMN expired_at,
    DROP COLUMN declined_at,
    DROP COLUMN decline_reason,
    DROP COLUMN hold_until,
    DROP CONSTRAINT ck_transactions_status,
    ADD CONSTRAINT ck_transactions_status CHECK (status IN ('pending', 'invoiced', 'paid', 'in_progress', 'completed', 'cancelled', 'refunded'));
ALTER TABLE marketplace.service_listings DROP COLUMN instant_booking;
DROP TABLE marketplace.listing_availability_exceptions;
DROP TABLE marketplace.listing_availability;
");
}
