using System.Net;
using LinqToDB.Data;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Refund;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(long id) => $"{TestBookings.Api}/transactions/{id}/refund";

    [Fact]
    public async Task A_partial_then_a_full_refund_reverse_the_transfer_and_fee_and_keep_every_figure_exact()
    {
        var booking = await app.BookAsync(priceCents: 10000); // fee 1000, payout 9000
        var payment = await app.PayAsync(booking);
        var http = booking.ProviderApi(app);

        var partial = await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 2500, reason = "Late" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("paid", 2500L, "Late"), (partial.GetProperty("status").GetString(), partial.GetProperty("refundAmountCents").GetInt64(), partial.GetProperty("refundReason").GetString()));
        Assert.Equal(("paid", 2500L, 0L), (partial.GetProperty("invoice").GetProperty("status").GetString(),
            partial.GetProperty("invoice").GetProperty("refundedCents").GetInt64(), partial.GetProperty("invoice").GetProperty("balanceCents").GetInt64()));
        using (var db = app.Db())
        {
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            var p = await db.Providers.FirstAsync(x => x.Id == booking.Provider.Id);
            Assert.Equal(250, t.PlatformFeeRefundedCents);
            Assert.Equal((7500L, 6750L), (p.TotalRevenueCents, p.LifetimePayoutCents)); // 7500 kept, less the 750 fee still due
        }

        var full = await (await http.PostJson(Url(booking.TransactionId), new { })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("refunded", 10000L), (full.GetProperty("status").GetString(), full.GetProperty("refundAmountCents").GetInt64()));
        Assert.Equal("refunded", full.GetProperty("invoice").GetProperty("status").GetString());

        var refunds = app.Stripe.RequestsTo("/v1/refunds").Where(r => r.Form.GetValueOrDefault("charge") == payment.ChargeId).ToList();
        Assert.Equal(["2500", "7500"], refunds.Select(r => r.Form["amount"]));
        Assert.All(refunds, r => Assert.Equal(("true", "true"), (r.Form["reverse_transfer"], r.Form["refund_application_fee"])));
        Assert.All(refunds, r => Assert.Equal(booking.InvoiceId.ToString(), r.Form["metadata[invoice_id]"]));
        Assert.Equal(2, refunds.Select(r => r.IdempotencyKey).Distinct().Count());

        using (var db = app.Db())
        {
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            var i = await db.Invoices.FirstAsync(x => x.Id == booking.InvoiceId);
            var p = await db.Providers.FirstAsync(x => x.Id == booking.Provider.Id);
            Assert.Equal((1000L, 10000L, 10000L, 0L), (t.PlatformFeeRefundedCents, i.RefundedCents, i.PaidCents, i.BalanceCents));
            Assert.Equal((0L, 0L), (p.TotalRevenueCents, p.LifetimePayoutCents));
            Assert.Equal(4, await db.Outbox.CountAsync(m => m.Kind == "refund_issued" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)));
        }

        // nothing is left to refund
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 1 })).AssertProblem(HttpStatusCode.Conflict, "not_refundable");
        // Stripe's own events for both refunds change nothing more
        var late = await (await app.PostWebhookAsync(app.Stripe.ChargeRefundedEvent(payment.ChargeId, 2500))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("no_change", late.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_refund_larger_than_what_is_left_or_of_an_unpaid_booking_is_409()
    {
        var booking = await app.BookAsync(priceCents: 3000);
        var http = booking.ProviderApi(app);
        await (await http.PostJson(Url(booking.TransactionId), new { })).AssertProblem(HttpStatusCode.Conflict, "not_refundable");
        await app.PayAsync(booking);
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 3001 })).AssertProblem(HttpStatusCode.Conflict, "refund_exceeds_paid");
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 0 })).AssertValidationError("amountCents");
        await (await http.PostJson(Url(booking.TransactionId), new { reason = new string('x', 1001) })).AssertValidationError("reason");
    }

    [Fact]
    public async Task A_retried_refund_with_the_same_Idempotency_Key_refunds_once()
    {
        var booking = await app.BookAsync(priceCents: 6000);
        var payment = await app.PayAsync(booking);
        var http = booking.ProviderApi(app);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 1000 }, key)));
        foreach (var answer in answers)
        {
            Assert.Equal(1000, (await answer.AssertJson(HttpStatusCode.OK)).GetProperty("refundAmountCents").GetInt64());
        }
        Assert.Equal(1000, (long)app.Stripe.Charge(payment.ChargeId)["amount_refunded"]!);
        await (await http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 2000 }, key)).AssertProblem(HttpStatusCode.Conflict, "idempotency_key_reused");
    }

    [Fact]
    public async Task The_client_asks_for_a_refund_within_14_days_and_the_provider_is_told()
    {
        var booking = await app.BookAsync(priceCents: 5000);
        await app.PayAsync(booking);
        var http = booking.ClientApi(app);

        await (await http.PostJson(Url(booking.TransactionId), new { })).AssertValidationError("reason");
        var json = await (await http.PostJson(Url(booking.TransactionId), new { reason = "Groomer never came", amountCents = 2000 })).AssertJson(HttpStatusCode.Accepted);
        Assert.Equal(("paid", 2000L, "Groomer never came"), (json.GetProperty("status").GetString(), json.GetProperty("refundRequestedCents").GetInt64(), json.GetProperty("refundReason").GetString()));
        Assert.Equal(0, json.GetProperty("refundAmountCents").GetInt64());
        Assert.DoesNotContain(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("metadata[transaction_id]") == booking.TransactionId.ToString());
        await (await http.PostJson(Url(booking.TransactionId), new { reason = "again" })).AssertProblem(HttpStatusCode.Conflict, "refund_already_requested");

        using (var db = app.Db())
        {
            var mail = await db.Outbox.SingleAsync(m => m.Kind == "refund_requested" && m.ToAddress == booking.Provider.Owner.Email);
            Assert.Contains("Groomer never came", mail.TextBody, StringComparison.Ordinal);
            Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId && a.Action == "refund_requested"));
        }

        // the provider grants it: the request is closed
        var granted = await (await booking.ProviderApi(app).PostJson(Url(booking.TransactionId), new { amountCents = 2000 })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, granted.GetProperty("refundRequestedAt").ValueKind);
    }

    [Fact]
    public async Task After_14_days_the_client_can_no_longer_ask()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddDays(14).AddHours(1)));
        using var http = later.CreateClient();
        // an access token minted by that host's clock, for the client's (30-day) session
        var tokens = (Marketplace.Api.Infrastructure.SessionTokens)later.Services.GetService(typeof(Marketplace.Api.Infrastructure.SessionTokens))!;
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.AccessToken(booking.Client.Id, booking.Client.SessionId, out _));
        await (await http.PostJson(Url(booking.TransactionId), new { reason = "too late" })).AssertProblem(HttpStatusCode.Conflict, "refund_window_closed");
    }

    [Fact]
    public async Task An_unpaid_booking_has_nothing_to_ask_back_and_strangers_get_404()
    {
        var booking = await app.BookAsync();
        await (await booking.ClientApi(app).PostJson(Url(booking.TransactionId), new { reason = "x" })).AssertProblem(HttpStatusCode.Conflict, "not_refundable");
        var stranger = await app.CreateAsync();
        await (await app.Client(stranger.AccessToken).PostJson(Url(booking.TransactionId), new { reason = "x" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostJson(Url(booking.TransactionId), new { reason = "x" })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    /// <summary>
    /// Twenty identical refunds at once: one reaches Stripe and answers 200, the others 409
    /// refund_in_progress; repeated on several bookings. With Stripe answering at once, the late
    /// ones find the refund recorded (a double submit without a key); with Stripe taking a moment,
    /// they find it in flight, even when each carries its own Idempotency-Key.
    /// </summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 400)]
    [InlineData(true, 400)]
    public async Task Twenty_identical_concurrent_refunds_refund_exactly_once(bool withOwnKeys, int stripeDelayMs)
    {
        for (var run = 0; run < 4; run++)
        {
            var booking = await app.BookAsync(priceCents: 10000);
            var payment = await app.PayAsync(booking);
            var http = booking.ProviderApi(app);
            using var slow = app.Stripe.Inject(r => r.Path == "/v1/refunds" && r.Form.GetValueOrDefault("charge") == payment.ChargeId,
                delay: TimeSpan.FromMilliseconds(stripeDelayMs));

            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => withOwnKeys
                ? http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 1000, reason = "Late" }, Guid.NewGuid().ToString())
                : http.PostJson(Url(booking.TransactionId), new { amountCents = 1000, reason = "Late" })));

            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            {
                await refused.AssertProblem(HttpStatusCode.Conflict, "refund_in_progress");
                Assert.NotNull(refused.Headers.RetryAfter);
            }
            Assert.Single(app.Stripe.Objects.Values, o => (string?)o["object"] == "refund" && (string?)o["charge"] == payment.ChargeId);
            Assert.Equal(1000, (long)app.Stripe.Charge(payment.ChargeId)["amount_refunded"]!);
            await using var db = app.Db();
            var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
            Assert.Equal(1000, invoice.RefundedCents);
            Assert.Null(await RefundClaimAsync(db, booking.InvoiceId!.Value)); // released once recorded
        }
    }

    [Fact]
    public async Task The_same_amount_again_is_refunded_with_an_Idempotency_Key_or_after_a_minute()
    {
        var booking = await app.BookAsync(priceCents: 10000);
        var payment = await app.PayAsync(booking);
        var http = booking.ProviderApi(app);
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 1000 })).AssertJson(HttpStatusCode.OK);
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 1000 })).AssertProblem(HttpStatusCode.Conflict, "refund_in_progress");
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 1500 })).AssertJson(HttpStatusCode.OK); // another amount: another refund
        await (await http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 1500 }, Guid.NewGuid().ToString())).AssertJson(HttpStatusCode.OK);

        await using (var db = app.Db())
        {
            await db.ExecuteAsync("UPDATE marketplace.invoices SET last_refund_at = last_refund_at - interval '61 seconds' WHERE id = @id",
                new DataParameter("id", booking.InvoiceId));
        }
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 1500 })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(5500, (long)app.Stripe.Charge(payment.ChargeId)["amount_refunded"]!);
    }

    [Fact]
    public async Task A_failed_Stripe_refund_releases_its_claim_and_a_retry_goes_through()
    {
        var booking = await app.BookAsync(priceCents: 8000);
        var payment = await app.PayAsync(booking);
        var http = booking.ProviderApi(app);
        using (app.Stripe.Inject(r => r.Path == "/v1/refunds" && r.Form.GetValueOrDefault("charge") == payment.ChargeId, failWith: 402))
        {
            await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 500 })).AssertProblem(HttpStatusCode.BadGateway, "stripe_error");
        }
        await using (var db = app.Db())
        {
            Assert.Null(await RefundClaimAsync(db, booking.InvoiceId!.Value));
        }
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 500 })).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_claim_left_by_a_crashed_instance_blocks_refunds_only_until_it_lapses()
    {
        var booking = await app.BookAsync(priceCents: 8000);
        await app.PayAsync(booking);
        var http = booking.ProviderApi(app);
        var now = DateTime.UtcNow;
        await using (var db = app.Db())
        {
            await SetRefundClaimAsync(db, booking.InvoiceId!.Value, now.AddSeconds(30));
        }
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 500 })).AssertProblem(HttpStatusCode.Conflict, "refund_in_progress");

        await using (var db = app.Db())
        {
            await SetRefundClaimAsync(db, booking.InvoiceId!.Value, now.AddSeconds(-1)); // its holder's deadline passed
        }
        await (await http.PostJson(Url(booking.TransactionId), new { amountCents = 500 })).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_keyed_refund_refused_as_in_progress_goes_through_when_retried_with_the_same_key()
    {
        // refund_in_progress asks for a retry (Retry-After): the key must not keep replaying that refusal
        var booking = await app.BookAsync(priceCents: 8000);
        var payment = await app.PayAsync(booking);
        var http = booking.ProviderApi(app);
        var key = Guid.NewGuid().ToString();
        var now = DateTime.UtcNow;
        await using (var db = app.Db())
        {
            await SetRefundClaimAsync(db, booking.InvoiceId!.Value, now.AddSeconds(30));
        }
        await (await http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 700 }, key)).AssertProblem(HttpStatusCode.Conflict, "refund_in_progress");

        await using (var db = app.Db())
        {
            await SetRefundClaimAsync(db, booking.InvoiceId!.Value, now.AddSeconds(-1));
        }
        var retried = await http.PostJsonWithKey(Url(booking.TransactionId), new { amountCents = 700 }, key);
        Assert.Equal(700, (await retried.AssertJson(HttpStatusCode.OK)).GetProperty("refundAmountCents").GetInt64());
        Assert.Equal(700, (long)app.Stripe.Charge(payment.ChargeId)["amount_refunded"]!);
    }

    private static async Task<DateTime?> RefundClaimAsync(Marketplace.Api.Data.Db db, int invoiceId) =>
        (await db.QueryToListAsync<DateTime?>("SELECT refund_claimed_until FROM marketplace.invoices WHERE id = @id",
            CancellationToken.None, new LinqToDB.Data.DataParameter("id", invoiceId))).Single();

    private static Task SetRefundClaimAsync(Marketplace.Api.Data.Db db, int invoiceId, DateTime until) =>
        db.ExecuteAsync("UPDATE marketplace.invoices SET refund_claimed_until = @until WHERE id = @id",
            new LinqToDB.Data.DataParameter("until", until, LinqToDB.DataType.DateTimeOffset), new LinqToDB.Data.DataParameter("id", invoiceId));
}
