namespace Marketplace.Api.Features.Integrations.Events;

/// <summary>
/// Every event type the product writes (<c>resource.what_happened</c>): the events feed's
/// <c>types</c> filter and webhook endpoints' <c>eventTypes</c> accept exactly these. A new state
/// change adds its type here and writes it through <see cref="DomainEvents"/>.
/// </summary>
public static class EventTypes
{
    public const string UserRegistered = "user.registered";
    public const string UserVerified = "user.verified";

    public const string ProviderActivated = "provider.activated";
    public const string ProviderSuspended = "provider.suspended";

    public const string ListingPublished = "listing.published";
    public const string ListingPaused = "listing.paused";
    public const string ListingUpdated = "listing.updated";
    public const string ListingDeleted = "listing.deleted";

    public const string TransactionBooked = "transaction.booked";
    public const string TransactionInvoiced = "transaction.invoiced";
    public const string TransactionPaid = "transaction.paid";
    public const string TransactionStarted = "transaction.started";
    public const string TransactionCompleted = "transaction.completed";
    public const string TransactionCancelled = "transaction.cancelled";
    public const string TransactionRefunded = "transaction.refunded";
    public const string TransactionRefundRequested = "transaction.refund_requested";

    public const string InvoiceIssued = "invoice.issued";
    public const string InvoicePaid = "invoice.paid";
    public const string InvoiceVoided = "invoice.voided";
    public const string InvoiceRefunded = "invoice.refunded";

    public const string MessageSent = "message.sent";

    public const string ReviewCreated = "review.created";
    public const string ReviewResponded = "review.responded";

    // money operations past the happy path (Payments/: failed refunds, disputes, payouts)
    public const string RefundFailed = "refund.failed";
    public const string DisputeCreated = "dispute.created";
    public const string DisputeFundsWithdrawn = "dispute.funds_withdrawn";
    public const string DisputeFundsReinstated = "dispute.funds_reinstated";
    public const string DisputeClosed = "dispute.closed";
    public const string TransactionOnHold = "transaction.on_hold";
    public const string TransactionReleased = "transaction.released";
    public const string TransferReversed = "transfer.reversed";
    public const string PayoutCreated = "payout.created";
    public const string PayoutPaid = "payout.paid";
    public const string PayoutFailed = "payout.failed";
    public const string PayoutUpdated = "payout.updated";

    // Operators (admin role, moderation, suspension, badges, account lifecycle)
    public const string UserAdminGranted = "user.admin_granted";
    public const string UserAdminRevoked = "user.admin_revoked";
    public const string UserSuspended = "user.suspended";
    public const string UserReinstated = "user.reinstated";
    public const string UserDeleted = "user.deleted";
    public const string ProviderReinstated = "provider.reinstated";
    public const string ProviderTenantVerified = "provider.tenant_verified";
    public const string ProviderBadgesChanged = "provider.badges_changed";
    public const string ReviewFlagged = "review.flagged";
    public const string ReviewRemoved = "review.removed";
    public const string ReviewRestored = "review.restored";
    public const string ListingArchived = "listing.archived";
    public const string ThreadClosed = "thread.closed";
    public const string InvoiceManualPaymentConfirmed = "invoice.manual_payment_confirmed";
    public const string PaymentIssueResolved = "payment_issue.resolved";

    // availability and the booking lifecycle (Features/Listings/Availability, Features/Transactions/Lifecycle)
    public const string ListingAvailabilityChanged = "listing.availability_changed";
    public const string TransactionRequested = "transaction.requested";
    public const string TransactionAccepted = "transaction.accepted";
    public const string TransactionDeclined = "transaction.declined";
    public const string TransactionExpired = "transaction.expired";

    /// <summary>Every type above (and those later capabilities add), for validation and the OpenAPI enum.</summary>
    public static readonly IReadOnlySet<string> All = typeof(EventTypes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The types in order, for the OpenAPI enum.</summary>
    public static readonly string[] Names = [.. All.Order(StringComparer.Ordinal)];

    /// <summary>
    /// What <c>resource.type</c> can be. <c>data</c> is the resource as its GET answers it (README "Integrations"
    /// lists which GET for each): a booking and an invoice as their client sees them.
    /// </summary>
    public static readonly string[] ResourceTypes =
        ["user", "provider", "listing", "transaction", "invoice", "message", "thread", "review", "payout", "dispute", "payment_issue"];
}
