using System.Globalization;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Lifecycle;

/// <summary>What one run of <see cref="BookingExpiry"/> did.</summary>
public sealed record ExpiryRun(int RequestsExpired, int InvoicesExpired, int RemindersSent);

/// <summary>
/// The booking lifecycle's clock work, every Marketplace:Bookings:JobIntervalSeconds:
/// <list type="bullet">
/// <item>a request unanswered at its hold_until (RequestExpiryHours, never past the start) expires;</item>
/// <item>an invoiced booking unpaid at its hold_until (PaymentWindowHours, never past the start) expires:
/// its invoice is void and, after the commit, its open Checkout Session is expired at Stripe (a payment
/// that still arrives is flagged by the ledger as paid after cancel);</item>
/// <item>a paid booking starting within 24 h gets its reminder, once (reminder_sent_at).</item>
/// </list>
/// Several instances may run it at once: rows are claimed with <c>FOR UPDATE SKIP LOCKED</c> and
/// moved by conditional updates, so each booking expires (and is reminded) once. Each expiry writes
/// its audit rows, domain events and both parties' mails in the transaction that moves it. It runs
/// on the <see cref="TimeProvider"/>, so tests move the clock and call <see cref="RunOnceAsync"/>.
/// </summary>
public sealed class BookingExpiry(DataOptions<Db> dataOptions, MarketplaceOptions options, StripeAccess stripe, TimeProvider clock, ILogger<BookingExpiry> logger)
    : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan ReminderLead = TimeSpan.FromHours(24);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Bookings.JobEnabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Bookings.JobIntervalSeconds), clock, stoppingToken);
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Booking expiry run failed, next try in {Seconds} s: {Reason}", options.Bookings.JobIntervalSeconds,
                    DbFaults.IsUnavailable(ex) ? DbFaults.Describe(ex) : ex.Message);
            }
        }
    }

    /// <summary>One pass: expires every lapsed request and unpaid invoice, and sends the due reminders.</summary>
    public async Task<ExpiryRun> RunOnceAsync(CancellationToken ct)
    {
        int requests = 0, invoices = 0, reminders = 0;
        for (int n; (n = await ExpireBatchAsync("requested", ct)) > 0;)
        {
            requests += n;
        }
        for (int n; (n = await ExpireBatchAsync("invoiced", ct)) > 0;)
        {
            invoices += n;
        }
        for (int n; (n = await RemindBatchAsync(ct)) > 0;)
        {
            reminders += n;
        }
        return new ExpiryRun(requests, invoices, reminders);
    }

    private async Task<int> ExpireBatchAsync(string from, CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        var sessions = new List<(string? Id, DateTime? ExpiresAt)>();
        var count = await db.InTransactionAsync(async c =>
        {
            sessions.Clear();
            var expired = new List<TransactionRow>();
            var now = clock.GetUtcNow().UtcDateTime;
            var ids = await Pg.QueryAsync(db, """
                SELECT id FROM marketplace.transactions
                 WHERE status = $1 AND hold_until <= $2
                 ORDER BY hold_until LIMIT $3
                   FOR NO KEY UPDATE SKIP LOCKED
                """, r => r.GetInt64(0), c, Pg.P(from), Pg.P(now), Pg.P(BatchSize));
            foreach (var id in ids)
            {
                if (await ExpireAsync(db, clock, options, id, from, now, c) is { } lapsed)
                {
                    expired.Add(lapsed.Booking);
                    if (lapsed.Session is { } session)
                    {
                        sessions.Add(session);
                    }
                }
            }
            // the freed slots last, in listing order (FreeDays' advisory locks come after every row lock)
            foreach (var booking in expired.OrderBy(t => t.ListingId))
            {
                await Listings.Availability.FreeDays.RefreshBookingAsync(db, booking, now, c);
            }
            return ids.Count;
        }, ct);

        // Stripe after the commit, never inside the transaction; the expiry stands whatever Stripe answers
        foreach (var (sessionId, expiresAt) in sessions)
        {
            await CheckoutSessions.ExpireQuietlyAsync(db, stripe, sessionId, expiresAt, clock, logger, ct);
        }
        return count;
    }

    /// <summary>
    /// Expires an invoiced booking found past its payment window by the ledger, when its late payment
    /// arrives before this job has run: in the caller's transaction, with the rows already locked, and
    /// with its slot released at once. Its Checkout Session is the one that was just paid: nothing to expire at Stripe.
    /// </summary>
    internal static async Task ExpireLapsedAsync(Db db, TimeProvider clock, MarketplaceOptions options, long id, DateTime now, CancellationToken ct)
    {
        if (await ExpireAsync(db, clock, options, id, "invoiced", now, ct) is { } lapsed)
        {
            await Listings.Availability.FreeDays.RefreshBookingAsync(db, lapsed.Booking, now, ct);
        }
    }

    private sealed record Lapsed(TransactionRow Booking, (string? Id, DateTime? ExpiresAt)? Session);

    /// <summary>
    /// Moves one lapsed booking (its row claimed or locked by the caller) from <paramref name="from"/> to expired,
    /// with its audit rows, invoice void, domain events and both parties' mails; null when it had moved meanwhile.
    /// The caller releases the slot (FreeDays) and expires the returned Checkout Session after its commit.
    /// </summary>
    private static async Task<Lapsed?> ExpireAsync(Db db, TimeProvider clock, MarketplaceOptions options, long id, string from, DateTime now, CancellationToken c)
    {
        var moved = await db.Transactions.Where(t => t.Id == id && t.Status == from)
            .Set(t => t.Status, "expired").Set(t => t.ExpiredAt, now).UpdateAsync(c);
        if (moved == 0)
        {
            return null;
        }
        var transaction = await db.Transactions.FirstAsync(t => t.Id == id, c);
        var why = from == "requested" ? "the provider did not answer the request in time" : "the invoice was not paid in time";
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", id, "expired", from, "expired", null, "system", new { reason = why }), c);

        (string? Id, DateTime? ExpiresAt)? session = null;
        if (from == "invoiced" && await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == id, c) is { } invoice)
        {
            var voided = await db.Invoices.Where(i => i.Id == invoice.Id && Bookings.UnpaidInvoiceStatuses.Contains(i.Status))
                .Set(i => i.Status, "void").Set(i => i.VoidedAt, now).Set(i => i.StripeCheckoutUrl, (string?)null).UpdateAsync(c);
            if (voided == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "voided", invoice.Status, "void", null, "system",
                    new { reason = "booking expired" }), c);
                await ResourceEvents.InvoiceAsync(db, clock, options, EventTypes.InvoiceVoided, invoice.Id, c);
                session = (invoice.StripeCheckoutSessionId, invoice.StripeCheckoutExpiresAt);
            }
        }

        var parties = await Bookings.PartiesAsync(db, id, c);
        foreach (var mail in LifecycleMails.Expired(parties, transaction, why, options))
        {
            await Outbox.EnqueueAsync(db, clock, mail, c);
        }
        var view = await TransactionViews.LoadAsync(db, id, PartyRole.Client, options.Currency, c);
        await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.TransactionExpired, "transaction",
            id.ToString(CultureInfo.InvariantCulture), view, [transaction.ClientId, await ProviderUserIdAsync(db, transaction.ProviderId, c)]), c);
        return new Lapsed(transaction, session);
    }

    private async Task<int> RemindBatchAsync(CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        return await db.InTransactionAsync(async c =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var ids = await Pg.QueryAsync(db, """
                SELECT id FROM marketplace.transactions
                 WHERE status = 'paid' AND reminder_sent_at IS NULL AND requested_start_at > $1 AND requested_start_at <= $2
                 ORDER BY requested_start_at LIMIT $3
                   FOR NO KEY UPDATE SKIP LOCKED
                """, r => r.GetInt64(0), c, Pg.P(now), Pg.P(now + ReminderLead), Pg.P(BatchSize));
            foreach (var id in ids)
            {
                if (await db.Transactions.Where(t => t.Id == id && t.ReminderSentAt == null).Set(t => t.ReminderSentAt, now).UpdateAsync(c) == 0)
                {
                    continue;
                }
                var transaction = await db.Transactions.FirstAsync(t => t.Id == id, c);
                var parties = await Bookings.PartiesAsync(db, id, c);
                foreach (var mail in LifecycleMails.Reminder(parties, transaction, options))
                {
                    await Outbox.EnqueueAsync(db, clock, mail, c);
                }
            }
            return ids.Count;
        }, ct);
    }

    private static Task<int> ProviderUserIdAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => p.UserId).FirstAsync(ct);
}

internal static class LifecycleRegistration
{
    public static IServiceCollection AddBookingLifecycle(this IServiceCollection services)
    {
        services.AddSingleton<BookingExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<BookingExpiry>());
        services.AddSingleton<Listings.Availability.FreeDaysRollForward>();
        services.AddHostedService(sp => sp.GetRequiredService<Listings.Availability.FreeDaysRollForward>());
        return services;
    }
}
