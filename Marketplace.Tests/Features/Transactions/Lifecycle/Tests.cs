using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Transactions.Lifecycle;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Features.Admin;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Transactions.Lifecycle;

/// <summary>Requests (accept, decline), expiry of requests and unpaid invoices on a moved clock, and reminders.</summary>
public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    private static object AllWeek(int seats = 1) => new
    {
        weekly = new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }.Select(d => new { day = d, start = "00:00", end = "24:00" }),
        slotMinutes = 60, bufferMinutes = 0, seats, minNoticeHours = 0, maxAdvanceDays = 365,
    };

    /// <summary>
    /// A host whose clock runs months behind: everything it books lapses long before any other
    /// test's bookings, so running the expiry job on it (after moving its clock) touches only this test's rows.
    /// </summary>
    private sealed record PastHost(WebApplicationFactory<Program> Factory, TestClock Clock) : IDisposable
    {
        public async Task<HttpClient> ClientAsync(AppFixture app, TestUser user)
        {
            using var db = app.Db();
            var tokens = await Factory.Services.GetRequiredService<SessionTokens>().StartSessionAsync(db, user.Id, "tests", "127.0.0.1", CancellationToken.None);
            var client = Factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
            return client;
        }

        public Task<ExpiryRun> RunJobAsync() => Factory.Services.GetRequiredService<BookingExpiry>().RunOnceAsync(CancellationToken.None);

        public void Dispose() => Factory.Dispose();
    }

    /// <summary>Each test its own stretch of the past, so one test's run of the job never meets another's leftovers.</summary>
    private PastHost Past(int daysBack)
    {
        var clock = new TestClock(DateTimeOffset.UtcNow.AddDays(-daysBack));
        return new PastHost(app.Isolated(clock), clock);
    }

    private async Task<(TestProvider Provider, int ListingId)> ListingAsync(bool instantBooking, bool planned = true, string priceType = "fixed")
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", priceType, 5000);
        using var db = app.Db();
        await db.Listings.Where(l => l.Id == listingId).Set(l => l.InstantBooking, instantBooking).UpdateAsync();
        if (planned)
        {
            await (await app.Client(provider.Owner.AccessToken).PutAsJsonAsync($"{Api}/listings/{listingId}/availability", AllWeek())).AssertJson(HttpStatusCode.OK);
        }
        return (provider, listingId);
    }

    private static async Task<JsonElement> BookAsync(HttpClient client, int listingId, DateTime start) =>
        await (await client.PostJson($"{Api}/transactions", new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) })).AssertJson(HttpStatusCode.Created);

    /// <summary>Books the slot at <paramref name="start"/> and opens the invoice's Checkout Session: (booking id, invoice id, session id).</summary>
    private static async Task<(long Id, int InvoiceId, string SessionId)> BookAndOpenCheckoutAsync(HttpClient client, int listingId, DateTime start)
    {
        var booked = await BookAsync(client, listingId, start);
        var invoiceId = booked.GetProperty("invoice").GetProperty("id").GetInt32();
        var session = await (await client.PostAsync($"{Api}/invoices/{invoiceId}/pay", null)).AssertJson(HttpStatusCode.OK);
        return (booked.GetProperty("id").GetInt64(), invoiceId, session.GetProperty("sessionId").GetString()!);
    }

    private static DateTime HourAhead(DateTime now, int days) => now.Date.AddDays(days).AddHours(15);

    private async Task<List<string>> EventsAsync(long transactionId)
    {
        using var db = app.Db();
        return await db.QueryToListAsync<string>($"SELECT type FROM marketplace.domain_events WHERE resource_type = 'transaction' AND resource_id = '{transactionId}' ORDER BY sequence");
    }

    private async Task<List<(string Kind, string To)>> MailsAsync(params string[] addresses)
    {
        using var db = app.Db();
        return (await db.Outbox.Where(m => addresses.Contains(m.ToAddress)).Select(m => new { m.Kind, m.ToAddress }).ToListAsync()).Select(m => (m.Kind, m.ToAddress)).ToList();
    }

    [Fact]
    public async Task A_request_waits_for_the_provider_who_accepts_it_and_a_priced_listing_is_then_invoiced()
    {
        var (provider, listingId) = await ListingAsync(instantBooking: false);
        var client = await app.CreateAsync();
        var booked = await BookAsync(app.Client(client.AccessToken), listingId, HourAhead(DateTime.UtcNow, 3));
        var id = booked.GetProperty("id").GetInt64();
        Assert.Equal("requested", booked.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, booked.GetProperty("invoice").ValueKind);

        await (await app.Client(client.AccessToken).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.Forbidden, "not_transaction_provider");
        await (await app.Client((await app.CreateAsync()).AccessToken).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().PostAsync($"{Api}/transactions/{id}/accept", null)).StatusCode);

        var accepted = await (await app.Client(provider.Owner.AccessToken).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("invoiced", 5000L), (accepted.GetProperty("status").GetString(), accepted.GetProperty("totalCents").GetInt64()));
        await (await app.Client(provider.Owner.AccessToken).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/transactions/{id}/decline", new { reason = "too late" })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

        Assert.Equal(["transaction.requested", "transaction.accepted"], (await EventsAsync(id)).Where(e => e is "transaction.requested" or "transaction.accepted"));
        var mails = await MailsAsync(client.Email, provider.Owner.Email);
        Assert.Contains(("booking_accepted", client.Email), mails);
        Assert.Contains(("booking_accepted", provider.Owner.Email), mails);
        Assert.Contains(("invoice_issued", client.Email), mails);
        using var db = app.Db();
        Assert.Equal(["booked", "accepted", "invoiced"], await db.AuditLog.Where(a => a.EntityType == "transaction" && a.EntityId == id).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task A_declined_request_is_final_and_frees_its_slot_at_once()
    {
        var (provider, listingId) = await ListingAsync(instantBooking: false);
        var client = await app.CreateAsync();
        var start = HourAhead(DateTime.UtcNow, 4);
        var id = (await BookAsync(app.Client(client.AccessToken), listingId, start)).GetProperty("id").GetInt64();
        var other = app.Client((await app.CreateAsync()).AccessToken);
        await (await other.PostJson($"{Api}/transactions", new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");

        var asProvider = app.Client(provider.Owner.AccessToken);
        await (await asProvider.PostJson($"{Api}/transactions/{id}/decline", new { })).AssertValidationError("reason");
        await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions/{id}/decline", new { reason = "no" })).AssertProblem(HttpStatusCode.Forbidden, "not_transaction_provider");
        var declined = await (await asProvider.PostJson($"{Api}/transactions/{id}/decline", new { reason = "Away that week" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("declined", declined.GetProperty("status").GetString());
        await (await asProvider.PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

        await BookAsync(other, listingId, start);
        Assert.Contains("transaction.declined", await EventsAsync(id));
        var mails = await MailsAsync(client.Email, provider.Owner.Email);
        Assert.Contains(("booking_declined", client.Email), mails);
        Assert.Contains(("booking_declined", provider.Owner.Email), mails);
        using var db = app.Db();
        Assert.Equal("Away that week", await db.Transactions.Where(t => t.Id == id).Select(t => t.DeclineReason).FirstAsync());
    }

    [Fact]
    public async Task An_unanswered_request_expires_after_72_hours_once_and_frees_its_slot()
    {
        using var host = Past(200);
        var (provider, listingId) = await ListingAsync(instantBooking: false);
        var client = await app.CreateAsync();
        var start = HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10);
        var id = (await BookAsync(await host.ClientAsync(app, client), listingId, start)).GetProperty("id").GetInt64();

        host.Clock.Advance(TimeSpan.FromHours(72) - TimeSpan.FromSeconds(1));
        await host.RunJobAsync();
        using (var db = app.Db())
        {
            Assert.Equal("requested", await db.Transactions.Where(t => t.Id == id).Select(t => t.Status).FirstAsync());
        }

        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var second = app.Isolated(host.Clock); // a second instance running the job at the same moment
        await Task.WhenAll(host.RunJobAsync(), second.Services.GetRequiredService<BookingExpiry>().RunOnceAsync(CancellationToken.None));

        using (var db = app.Db())
        {
            var row = await db.Transactions.FirstAsync(t => t.Id == id);
            Assert.Equal("expired", row.Status);
            Assert.NotNull(row.ExpiredAt);
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "transaction" && a.EntityId == id && a.Action == "expired"));
        }
        Assert.Single(await EventsAsync(id), e => e == "transaction.expired");
        var mails = await MailsAsync(client.Email, provider.Owner.Email);
        Assert.Single(mails, m => m == ("booking_expired", client.Email));
        Assert.Single(mails, m => m == ("booking_expired", provider.Owner.Email));

        await (await (await host.ClientAsync(app, provider.Owner)).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await BookAsync(await host.ClientAsync(app, await app.CreateAsync()), listingId, start);
        second.Dispose();
    }

    [Fact]
    public async Task A_lapsed_request_cannot_be_accepted_even_before_the_job_runs()
    {
        using var host = Past(300);
        var (provider, listingId) = await ListingAsync(instantBooking: false);
        var id = (await BookAsync(await host.ClientAsync(app, await app.CreateAsync()), listingId, HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10)))
            .GetProperty("id").GetInt64();
        host.Clock.Advance(TimeSpan.FromHours(73));
        await (await (await host.ClientAsync(app, provider.Owner)).PostAsync($"{Api}/transactions/{id}/accept", null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task An_unpaid_invoice_expires_after_the_payment_window_its_session_is_expired_and_a_late_payment_is_flagged()
    {
        using var host = Past(400);
        var (provider, listingId) = await ListingAsync(instantBooking: true);
        var client = await app.CreateAsync();
        var asClient = await host.ClientAsync(app, client);
        var start = HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10);
        var (id, invoiceId, sessionId) = await BookAndOpenCheckoutAsync(asClient, listingId, start);

        host.Clock.Advance(TimeSpan.FromHours(48) - TimeSpan.FromSeconds(1));
        await host.RunJobAsync();
        using (var db = app.Db())
        {
            Assert.Equal("invoiced", await db.Transactions.Where(t => t.Id == id).Select(t => t.Status).FirstAsync());
        }
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        await host.RunJobAsync();

        using (var db = app.Db())
        {
            Assert.Equal("expired", await db.Transactions.Where(t => t.Id == id).Select(t => t.Status).FirstAsync());
            Assert.Equal("void", await db.Invoices.Where(i => i.Id == invoiceId).Select(i => i.Status).FirstAsync());
        }
        Assert.Equal("expired", (string?)app.Stripe.Objects[sessionId]["status"]);
        Assert.Contains("transaction.expired", await EventsAsync(id));
        var mails = await MailsAsync(client.Email, provider.Owner.Email);
        Assert.Contains(("booking_expired", client.Email), mails);
        Assert.Contains(("booking_expired", provider.Owner.Email), mails);
        await BookAsync(await host.ClientAsync(app, await app.CreateAsync()), listingId, start);

        // the client had paid at the last second: Stripe reports it after the expiry
        app.Stripe.Objects[sessionId]["status"] = "open";
        app.Stripe.CompleteCheckoutSession(sessionId, null);
        var response = await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId));
        Assert.Equal("paid_after_cancel", (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Contains(("payment_after_cancel", provider.Owner.Email), await MailsAsync(provider.Owner.Email));
    }

    /// <summary>
    /// The client pays on a Checkout page opened before the window closed; Stripe reports it after
    /// the window but before the expiry job has run, and meanwhile another client has booked the
    /// released slot. The payment must not revive the first booking: it expires it then and there
    /// and is flagged, so the slot is never paid for twice.
    /// </summary>
    [Fact]
    public async Task A_payment_past_the_window_before_the_job_runs_expires_the_booking_and_is_flagged_never_applied()
    {
        using var host = Past(1000);
        var (provider, listingId) = await ListingAsync(instantBooking: true);
        var first = await app.CreateAsync();
        var asFirst = await host.ClientAsync(app, first);
        var start = HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10);
        var (id, invoiceId, sessionId) = await BookAndOpenCheckoutAsync(asFirst, listingId, start);

        host.Clock.Advance(TimeSpan.FromHours(48) + TimeSpan.FromSeconds(1));
        var second = (await BookAsync(await host.ClientAsync(app, await app.CreateAsync()), listingId, start)).GetProperty("id").GetInt64();

        app.Stripe.CompleteCheckoutSession(sessionId, null);
        var response = await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId));
        Assert.Equal("paid_after_cancel", (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString());

        using (var db = app.Db())
        {
            Assert.Equal("expired", await db.Transactions.Where(t => t.Id == id).Select(t => t.Status).FirstAsync());
            var invoice = await db.Invoices.FirstAsync(i => i.Id == invoiceId);
            Assert.Equal(("void", 0L), (invoice.Status, invoice.PaidCents));
            Assert.Equal("invoiced", await db.Transactions.Where(t => t.Id == second).Select(t => t.Status).FirstAsync());
            Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "invoice" && a.EntityId == invoiceId && a.Action == "payment_after_cancel"));
            Assert.Equal(0L, await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.TotalRevenueCents).FirstAsync());
        }
        Assert.Equal(1, (await EventsAsync(id)).Count(t => t == "transaction.expired"));
        var mails = await MailsAsync(first.Email, provider.Owner.Email);
        Assert.Contains(("booking_expired", first.Email), mails);
        Assert.Contains(("payment_after_cancel", provider.Owner.Email), mails);
        Assert.Equal(0, (await host.RunJobAsync()).InvoicesExpired); // expired once: the job finds nothing left
        var issues = await (await app.Client((await app.CreateAdminAsync()).AccessToken).GetAsync($"{Api}/admin/payment-issues?kind=payment_after_cancel&limit=100")).AssertJson(HttpStatusCode.OK);
        Assert.Contains(issues.GetProperty("items").EnumerateArray(), i => i.GetProperty("invoiceId").GetInt32() == invoiceId);
    }

    /// <summary>
    /// The expiry job and the late payment's webhook at the same moment, over several bookings: each
    /// booking expires exactly once (one audit row, one event), whichever takes the row first, and
    /// the payment is never applied.
    /// </summary>
    [Fact]
    public async Task The_job_and_a_late_payment_racing_expire_the_booking_once_and_never_apply_the_money()
    {
        using var host = Past(1100);
        const int rounds = 8;
        var bookings = new List<(long Id, int InvoiceId, string SessionId)>();
        for (var i = 0; i < rounds; i++)
        {
            // an hour apart, so each round's run of the job finds exactly one booking lapsed: the one its webhook races
            var (_, listingId) = await ListingAsync(instantBooking: true);
            var asClient = await host.ClientAsync(app, await app.CreateAsync());
            var booking = await BookAndOpenCheckoutAsync(asClient, listingId, HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10));
            app.Stripe.CompleteCheckoutSession(booking.SessionId, null);
            bookings.Add(booking);
            host.Clock.Advance(TimeSpan.FromHours(1));
        }
        host.Clock.Advance(TimeSpan.FromHours(48 - rounds) + TimeSpan.FromSeconds(1));

        var outcomes = new List<string>();
        foreach (var (_, _, sessionId) in bookings)
        {
            var job = Task.Run(host.RunJobAsync);
            var webhook = Task.Run(() => app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId)));
            await Task.WhenAll(job, webhook);
            outcomes.Add((await (await webhook).AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString()!);
            host.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.All(outcomes, o => Assert.Equal("paid_after_cancel", o));
        using var db = app.Db();
        foreach (var (id, invoiceId, _) in bookings)
        {
            Assert.Equal("expired", await db.Transactions.Where(t => t.Id == id).Select(t => t.Status).FirstAsync());
            Assert.Equal(("void", 0L), await db.Invoices.Where(i => i.Id == invoiceId).Select(i => ValueTuple.Create(i.Status, i.PaidCents)).FirstAsync());
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "transaction" && a.EntityId == id && a.Action == "expired"));
            Assert.Equal(1, (await EventsAsync(id)).Count(t => t == "transaction.expired"));
        }
    }

    [Fact]
    public async Task Past_the_payment_window_no_new_checkout_starts_even_before_the_job_runs()
    {
        using var host = Past(700);
        var (_, listingId) = await ListingAsync(instantBooking: true);
        var client = await app.CreateAsync();
        var booked = await BookAsync(await host.ClientAsync(app, client), listingId, HourAhead(host.Clock.GetUtcNow().UtcDateTime, 10));
        var invoiceId = booked.GetProperty("invoice").GetProperty("id").GetInt32();

        host.Clock.Advance(TimeSpan.FromHours(48) + TimeSpan.FromSeconds(1));
        await (await (await host.ClientAsync(app, client)).PostAsync($"{Api}/invoices/{invoiceId}/pay", null)).AssertProblem(HttpStatusCode.Conflict, "payment_window_closed");
    }

    [Fact]
    public async Task The_payment_window_never_runs_past_the_service_start()
    {
        using var host = Past(500);
        var (_, listingId) = await ListingAsync(instantBooking: true);
        var now = host.Clock.GetUtcNow().UtcDateTime;
        var start = now.Date.AddHours(now.Hour + 5);
        var id = (await BookAsync(await host.ClientAsync(app, await app.CreateAsync()), listingId, start)).GetProperty("id").GetInt64();
        using var db = app.Db();
        Assert.Equal(start, await db.Transactions.Where(t => t.Id == id).Select(t => t.HoldUntil).FirstAsync());
    }

    [Fact]
    public async Task Both_parties_are_reminded_once_24_hours_before_a_paid_booking_starts()
    {
        using var host = Past(600);
        var (provider, listingId) = await ListingAsync(instantBooking: true);
        var client = await app.CreateAsync();
        var start = HourAhead(host.Clock.GetUtcNow().UtcDateTime, 3);
        var id = (await BookAsync(await host.ClientAsync(app, client), listingId, start)).GetProperty("id").GetInt64();
        using (var db = app.Db())
        {
            // paid as the webhook leaves it (the payment path has its own tests)
            await db.Transactions.Where(t => t.Id == id).Set(t => t.Status, "paid").Set(t => t.PaidAt, host.Clock.GetUtcNow().UtcDateTime).UpdateAsync();
        }

        host.Clock.Advance(start - host.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await host.RunJobAsync()).RemindersSent);
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (await host.RunJobAsync()).RemindersSent);
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, (await host.RunJobAsync()).RemindersSent);

        var mails = await MailsAsync(client.Email, provider.Owner.Email);
        Assert.Single(mails, m => m == ("booking_reminder", client.Email));
        Assert.Single(mails, m => m == ("booking_reminder", provider.Owner.Email));
    }
}
