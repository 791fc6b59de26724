using LinqToDB;
using LinqToDB.Data;

namespace Marketplace.Api.Data;

/// <summary>The marketplace database; one per request (scoped).</summary>
/// <remarks>
/// Row types map every timestamptz column with <c>DataType.DateTimeOffset</c>: linq2db otherwise sends a
/// <see cref="DateTime"/> as <c>timestamp</c>, which PostgreSQL reads in the session time zone.
/// </remarks>
public sealed class Db(DataOptions<Db> options) : DataConnection(options.Options)
{
    public ITable<UserRow> Users => this.GetTable<UserRow>();
    public ITable<ProviderRow> Providers => this.GetTable<ProviderRow>();
    public ITable<ListingRow> Listings => this.GetTable<ListingRow>();
    public ITable<TransactionRow> Transactions => this.GetTable<TransactionRow>();
    public ITable<InvoiceRow> Invoices => this.GetTable<InvoiceRow>();
    public ITable<ReviewRow> Reviews => this.GetTable<ReviewRow>();
    public ITable<SavedListingRow> SavedListings => this.GetTable<SavedListingRow>();
    public ITable<MessageThreadRow> MessageThreads => this.GetTable<MessageThreadRow>();
    public ITable<MessageRow> Messages => this.GetTable<MessageRow>();
    public ITable<AuditLogRow> AuditLog => this.GetTable<AuditLogRow>();
    public ITable<SessionRow> Sessions => this.GetTable<SessionRow>();
    public ITable<RefreshTokenRow> RefreshTokens => this.GetTable<RefreshTokenRow>();
    public ITable<OutboxMailRow> Outbox => this.GetTable<OutboxMailRow>();
    public ITable<IdempotencyKeyRow> IdempotencyKeys => this.GetTable<IdempotencyKeyRow>();
    public ITable<StripeEventRow> StripeEvents => this.GetTable<StripeEventRow>();
    public ITable<PayoutRow> Payouts => this.GetTable<PayoutRow>();
    public ITable<ListingAvailabilityRow> ListingAvailability => this.GetTable<ListingAvailabilityRow>();
    public ITable<AvailabilityExceptionRow> AvailabilityExceptions => this.GetTable<AvailabilityExceptionRow>();
}
