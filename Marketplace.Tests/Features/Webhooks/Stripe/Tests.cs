using System.Net;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Id(string json) => JsonNode.Parse(json)!["id"]!.GetValue<string>();

    private async Task<string> OutcomeAsync(HttpResponseMessage response) =>
        (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString()!;

    private async Task<(TestBooking Booking, CompletedPayment Payment)> PaidSessionAsync(long priceCents = 5000, long? stripeFee = null)
    {
        var booking = await app.BookAsync(priceCents: priceCents);
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        return (booking, app.Stripe.CompleteCheckoutSession(sessionId, stripeFee));
    }

    [Fact]
    public async Task A_completed_Checkout_marks_the_invoice_and_booking_paid_with_Stripes_fee_and_the_providers_revenue()
    {
        var (booking, payment) = await PaidSessionAsync(5000, stripeFee: 175);

        var response = await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId));
        var json = await response.AssertJson(HttpStatusCode.OK);
        Assert.True(json.GetProperty("received").GetBoolean());
        Assert.False(json.GetProperty("duplicate").GetBoolean());
        Assert.Equal("applied", json.GetProperty("outcome").GetString());

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Equal(("paid", 5000L, 0L, payment.PaymentIntentId, payment.ChargeId), (invoice.Status, invoice.PaidCents, invoice.BalanceCents, invoice.StripePaymentIntentId, invoice.StripeChargeId));
        Assert.NotNull(invoice.PaidAt);
        var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
        Assert.Equal(("paid", 175L), (t.Status, t.StripeFeesCents));
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((5000L, 4500L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
        // the fee came from the charge's balance transaction
        var fetch = Assert.Single(app.Stripe.Requests, r => r.Path == $"/v1/payment_intents/{payment.PaymentIntentId}");
        Assert.Equal("latest_charge.balance_transaction", fetch.Form["expand[0]"]);
        var recorded = await db.StripeEvents.FirstAsync(e => e.InvoiceId == booking.InvoiceId);
        Assert.Equal(("checkout.session.completed", "applied", payment.SessionId, booking.TransactionId), (recorded.Type, recorded.Outcome, recorded.ObjectId, recorded.TransactionId!.Value));
        Assert.NotNull(recorded.ProcessedAt);
    }

    [Fact]
    public async Task A_forged_or_stale_signature_is_400_and_changes_nothing()
    {
        var (booking, payment) = await PaidSessionAsync();
        var payload = app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId);

        await (await app.PostWebhookAsync(payload, secret: "whsec_forged")).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        await (await app.PostWebhookAsync(payload, signedAt: DateTimeOffset.UtcNow.AddMinutes(-6))).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        var tampered = payload.Replace($"\"amount_total\": {booking.TotalCents}", $"\"amount_total\": {booking.TotalCents - 1}", StringComparison.Ordinal);
        Assert.NotEqual(payload, tampered);
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"{TestBookings.Api}/webhooks/stripe") { Content = new StringContent(tampered, System.Text.Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("Stripe-Signature", FakeStripe.SignatureHeader(payload, FakeStripe.WebhookSecret));
            await (await app.Client().SendAsync(request)).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        }
        using (var unsigned = new HttpRequestMessage(HttpMethod.Post, $"{TestBookings.Api}/webhooks/stripe") { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") })
        {
            await (await app.Client().SendAsync(unsigned)).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        }

        using var db = app.Db();
        Assert.False(await db.StripeEvents.AnyAsync(e => e.Id == Id(payload)));
        Assert.Equal("sent", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
    }

    [Fact]
    public async Task Events_of_the_Connect_endpoint_verify_with_its_own_secret()
    {
        var payload = TestBookings.CustomerCreatedEvent();
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(payload, secret: FakeStripe.ConnectWebhookSecret)));
    }

    [Fact]
    public async Task A_duplicate_delivered_ten_times_in_parallel_is_applied_once()
    {
        var (booking, payment) = await PaidSessionAsync(7000);
        var payload = app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.PostWebhookAsync(payload)));
        var answers = new List<System.Text.Json.JsonElement>();
        foreach (var r in responses)
        {
            answers.Add(await r.AssertJson(HttpStatusCode.OK));
        }
        Assert.Single(answers, a => !a.GetProperty("duplicate").GetBoolean());
        Assert.Equal(9, answers.Count(a => a.GetProperty("duplicate").GetBoolean()));

        using var db = app.Db();
        Assert.Equal(1, await db.StripeEvents.CountAsync(e => e.Id == Id(payload)));
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((7000L, 6300L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "paid"));
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "payment_receipt" && m.ToAddress == booking.Client.Email));

        // a later re-delivery too
        var late = await (await app.PostWebhookAsync(payload)).AssertJson(HttpStatusCode.OK);
        Assert.True(late.GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task A_late_expired_event_after_payment_changes_nothing()
    {
        var (booking, payment) = await PaidSessionAsync();
        await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId));
        Assert.Equal("no_change", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.expired", payment.SessionId))));
        // and a completed event re-sent under another event id finds the payment recorded
        Assert.Equal("no_change", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId))));
        using var db = app.Db();
        Assert.Equal("paid", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
    }

    [Fact]
    public async Task A_refund_event_before_the_payment_event_is_kept_and_applied_when_the_payment_arrives()
    {
        var (booking, payment) = await PaidSessionAsync(8000);
        var refund = app.Stripe.RefundOutOfBand(payment.ChargeId, 3000);
        Assert.Equal(3000, (long)refund["amount_refunded"]!);

        Assert.Equal("deferred", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.ChargeRefundedEvent(payment.ChargeId))));
        using (var db = app.Db())
        {
            Assert.Equal(("sent", 0L), await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => ValueTuple.Create(i.Status, i.RefundedCents)).FirstAsync());
        }

        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId))));
        using (var db = app.Db())
        {
            var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
            Assert.Equal(("paid", 8000L, 3000L), (invoice.Status, invoice.PaidCents, invoice.RefundedCents));
            var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
            Assert.Equal((5000L, 4500L), (provider.TotalRevenueCents, provider.LifetimePayoutCents)); // 5000 kept, fee 800-300
            Assert.False(await db.StripeEvents.AnyAsync(e => e.ObjectId == payment.ChargeId && e.Outcome == "deferred"));
            var kept = await db.StripeEvents.SingleAsync(e => e.ObjectId == payment.ChargeId && e.Type == "charge.refunded");
            Assert.Equal(("applied", "applied once the payment was recorded", (int?)booking.InvoiceId, (long?)booking.TransactionId),
                (kept.Outcome, kept.Detail, kept.InvoiceId, kept.TransactionId));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "partially_refunded"));
        }
    }

    [Fact]
    public async Task A_full_refund_made_in_Stripes_dashboard_refunds_the_booking()
    {
        var (booking, payment) = await PaidSessionAsync(4000);
        await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId));
        app.Stripe.RefundOutOfBand(payment.ChargeId, 4000);
        var payload = app.Stripe.ChargeRefundedEvent(payment.ChargeId);
        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(payload)));

        using var db = app.Db();
        var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
        Assert.Equal(("refunded", 4000L, 400L), (t.Status, t.RefundAmountCents, t.PlatformFeeRefundedCents));
        Assert.Equal("refunded", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
        Assert.Equal(2, await db.Outbox.CountAsync(m => m.Kind == "refund_issued" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)));
    }

    [Fact]
    public async Task An_amount_that_does_not_match_the_invoice_is_flagged_and_not_marked_paid()
    {
        var (booking, payment) = await PaidSessionAsync(5000);
        Assert.Equal("amount_mismatch", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId, amountTotal: 4999))));
        Assert.Equal("currency_mismatch", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId, currency: "eur"))));

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Equal(("sent", 0L, 5000L), (invoice.Status, invoice.PaidCents, invoice.BalanceCents));
        Assert.Equal(2, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "payment_mismatch"));
        Assert.Equal(2, await db.StripeEvents.CountAsync(e => e.InvoiceId == booking.InvoiceId && (e.Outcome == "amount_mismatch" || e.Outcome == "currency_mismatch")));
    }

    [Fact]
    public async Task A_bank_debit_is_paid_on_async_payment_succeeded_even_when_that_comes_first()
    {
        var booking = await app.BookAsync();
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        var payment = app.Stripe.CompleteCheckoutSession(sessionId, async: true);
        var completedUnpaid = app.Stripe.CheckoutEvent("checkout.session.completed", sessionId);
        app.Stripe.SettleAsyncPayment(payment);

        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.async_payment_succeeded", sessionId))));
        // the older completed event (payment_status unpaid) arrives late: the booking stays paid
        Assert.Equal("awaiting_payment", await OutcomeAsync(await app.PostWebhookAsync(completedUnpaid)));
        using var db = app.Db();
        Assert.Equal("paid", await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.Status).FirstAsync());
    }

    [Fact]
    public async Task A_failed_bank_debit_tells_the_client_and_lets_them_pay_again()
    {
        var booking = await app.BookAsync();
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        var payment = app.Stripe.CompleteCheckoutSession(sessionId, async: true);
        Assert.Equal("awaiting_payment", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId))));
        app.Stripe.FailAsyncPayment(payment);
        Assert.Equal("payment_failed", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.async_payment_failed", sessionId))));

        using (var db = app.Db())
        {
            Assert.Equal("sent", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
            Assert.True(await db.Outbox.AnyAsync(m => m.Kind == "payment_failed" && m.ToAddress == booking.Client.Email));
        }
        var again = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString();
        Assert.NotEqual(sessionId, again);
    }

    [Fact]
    public async Task A_declined_card_is_recorded_and_changes_nothing()
    {
        var (booking, payment) = await PaidSessionAsync();
        Assert.Equal("payment_failed", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.PaymentFailedEvent(payment.PaymentIntentId))));
        using var db = app.Db();
        Assert.Equal("sent", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
        var audit = await db.AuditLog.FirstAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "payment_attempt_failed");
        Assert.Contains("card_declined", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payment_for_a_cancelled_booking_or_a_second_payment_is_flagged_not_applied()
    {
        var (cancelled, late) = await PaidSessionAsync();
        await (await cancelled.ClientApi(app).PostJson($"{TestBookings.Api}/transactions/{cancelled.TransactionId}/cancel", new { })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("paid_after_cancel", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", late.SessionId))));

        var (twice, first) = await PaidSessionAsync();
        await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", first.SessionId));
        // the client pays a second time (e.g. two tabs across an expiry): another payment intent for the paid invoice
        var secondPayment = app.Stripe.CompleteCheckoutSession(first.SessionId);
        Assert.Equal("duplicate_payment", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", secondPayment.SessionId))));

        using var check = app.Db();
        Assert.Equal(("cancelled", "void"), (await check.Transactions.Where(t => t.Id == cancelled.TransactionId).Select(t => t.Status).FirstAsync(),
            await check.Invoices.Where(i => i.Id == cancelled.InvoiceId).Select(i => i.Status).FirstAsync()));
        Assert.Equal(0, await check.Providers.Where(p => p.Id == cancelled.Provider.Id).Select(p => p.TotalRevenueCents).FirstAsync());
        Assert.True(await check.Outbox.AnyAsync(m => m.Kind == "payment_after_cancel" && m.ToAddress == cancelled.Provider.Owner.Email));
    }

    [Fact]
    public async Task A_dispute_flags_the_invoice_and_a_closed_dispute_is_never_reopened_by_a_late_event()
    {
        var booking = await app.BookAsync();
        var payment = await app.PayAsync(booking);
        var disputeId = FakeStripe.NewId("dp");
        var created = app.Stripe.DisputeEvent("charge.dispute.created", payment.ChargeId, "needs_response", disputeId);
        var closed = app.Stripe.DisputeEvent("charge.dispute.closed", payment.ChargeId, "won", disputeId);

        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(closed)));
        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(created)));

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Equal(("won", disputeId, "paid"), (invoice.DisputeStatus, invoice.StripeDisputeId, invoice.Status));
        Assert.Equal("paid", await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.Status).FirstAsync());
        Assert.Equal(2, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action.StartsWith("dispute_")));
        // the late "created" of a dispute closed already neither holds the booking nor mails anyone
        Assert.False(await db.Outbox.AnyAsync(m => m.Kind == "dispute_opened" && m.ToAddress == booking.Provider.Owner.Email));
        Assert.Null(await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.OnHoldAt).FirstAsync());
    }

    [Fact]
    public async Task An_account_update_activates_a_pending_provider_once_it_can_take_charges_and_skips_stale_updates()
    {
        var provider = await app.CreateProviderAsync(status: "pending");
        await using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.StripeConnectOnboardingComplete, false).Set(p => p.StripeConnectPayoutsEnabled, false).UpdateAsync();
        }
        var now = FakeStripe.UnixNow();
        var older = TestBookings.AccountUpdatedEvent(provider.StripeAccountId!, false, false, true, created: now - 60);
        var ready = TestBookings.AccountUpdatedEvent(provider.StripeAccountId!, true, true, true, created: now);

        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(ready, FakeStripe.ConnectWebhookSecret)));
        Assert.Equal("stale", await OutcomeAsync(await app.PostWebhookAsync(older, FakeStripe.ConnectWebhookSecret)));

        using var check = app.Db();
        var row = await check.Providers.FirstAsync(p => p.Id == provider.Id);
        Assert.Equal(("active", true, true, true), (row.Status, row.StripeConnectOnboardingComplete, row.StripeConnectPayoutsEnabled, row.StripeConnectDetailsSubmitted));
        Assert.NotNull(row.ActivatedAt);
        Assert.True(await check.AuditLog.AnyAsync(a => a.EntityType == "provider" && a.EntityId == provider.Id && a.Action == "activated" && a.FromStatus == "pending" && a.ToStatus == "active"));

        // charges disabled later: flags follow, the provider stays active but cannot take card payments
        var restricted = TestBookings.AccountUpdatedEvent(provider.StripeAccountId!, false, true, true, created: now + 60);
        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(restricted, FakeStripe.ConnectWebhookSecret)));
        using var after = app.Db();
        Assert.False(await after.Providers.Where(p => p.Id == provider.Id).Select(p => p.StripeConnectOnboardingComplete).FirstAsync());
        Assert.Equal("unmatched", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.AccountUpdatedEvent("acct_unknown000000000", true, true, true), FakeStripe.ConnectWebhookSecret)));
    }

    [Fact]
    public async Task Unknown_event_types_are_recorded_and_answered_200()
    {
        var payload = TestBookings.CustomerCreatedEvent();
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(payload)));
        using var db = app.Db();
        var row = await db.StripeEvents.FirstAsync(e => e.Id == Id(payload));
        Assert.Equal(("customer.created", "ignored", "2026-10-28.endive", false), (row.Type, row.Outcome, row.ApiVersion, row.Livemode));
        Assert.Contains("\"customer.created\"", row.Payload, StringComparison.Ordinal);
        Assert.NotNull(row.ProcessedAt);

        // a re-delivery is answered as a duplicate and records nothing more
        var again = await (await app.PostWebhookAsync(payload)).AssertJson(HttpStatusCode.OK);
        Assert.Equal((true, "no_change"), (again.GetProperty("duplicate").GetBoolean(), again.GetProperty("outcome").GetString()));
        Assert.Equal(1, await db.StripeEvents.CountAsync(e => e.Id == Id(payload)));
    }

    [Fact]
    public async Task A_signed_body_that_is_not_an_event_is_400_invalid_payload()
    {
        await (await app.PostWebhookAsync("""{"hello":"world"}""")).AssertProblem(HttpStatusCode.BadRequest, "invalid_payload");
        await (await app.PostWebhookAsync("not json")).AssertProblem(HttpStatusCode.BadRequest, "invalid_payload");
    }

    [Fact]
    public async Task Without_signing_secrets_the_webhook_is_503()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Stripe:WebhookSecret"] = "",
            ["Marketplace:Stripe:ConnectWebhookSecret"] = "",
        });
        await (await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), client: host.CreateClient())).AssertProblem(HttpStatusCode.ServiceUnavailable, "stripe_not_configured");
    }

    [Fact]
    public async Task The_signature_tolerance_follows_the_apps_clock()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow.AddMinutes(10));
        using var host = app.Isolated(clock);
        var payload = TestBookings.CustomerCreatedEvent();
        await (await app.PostWebhookAsync(payload, client: host.CreateClient())).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(payload, signedAt: clock.GetUtcNow(), client: host.CreateClient())));
    }

    public static TheoryData<string> MalformedEvents => new()
    {
        "created_far_future", "created_negative", "account_too_long", "payment_intent_too_long", "payment_intent_event_id_too_long",
        "nul_in_string", "nul_in_key", "invalid_utf8",
    };

    /// <summary>Properly signed events that cannot be stored as they are: 400 invalid_payload, nothing recorded or applied, never a 500.</summary>
    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public async Task A_signed_but_malformed_event_is_400_invalid_payload(string malformation)
    {
        var (booking, payment) = await PaidSessionAsync();
        var longId = "pi_" + new string('x', 300);
        var completed = JsonNode.Parse(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId))!;
        var eventId = (string)completed["id"]!;
        byte[] body;
        switch (malformation)
        {
            case "created_far_future":
                completed["created"] = 999_999_999_999_999L;
                body = Bytes(completed);
                break;
            case "created_negative":
                completed["created"] = -62_135_596_801L;
                body = Bytes(completed);
                break;
            case "account_too_long":
                completed["account"] = "acct_" + new string('a', 300);
                body = Bytes(completed);
                break;
            case "payment_intent_too_long":
                completed["data"]!["object"]!["payment_intent"] = longId;
                body = Bytes(completed);
                break;
            case "payment_intent_event_id_too_long":
                var failed = JsonNode.Parse(app.Stripe.PaymentFailedEvent(payment.PaymentIntentId))!;
                failed["data"]!["object"]!["id"] = longId;
                eventId = (string)failed["id"]!;
                body = Bytes(failed);
                break;
            case "nul_in_string":
                completed["data"]!["object"]!["customer_details"] = new JsonObject { ["email"] = "client\u0000@example.test" };
                body = Bytes(completed);
                break;
            case "nul_in_key":
                completed["data"]!["object"]!["metadata"]!["note\u0000"] = "x";
                body = Bytes(completed);
                break;
            default: // a byte sequence that is not UTF-8 inside a string
                var text = completed.ToJsonString().Replace("client_reference_id\":", "client_reference_id\":\"\u00FF\",\"x\":", StringComparison.Ordinal);
                body = System.Text.Encoding.UTF8.GetBytes(text);
                var marker = System.Text.Encoding.UTF8.GetBytes("\u00FF");
                var at = body.AsSpan().IndexOf(marker);
                Assert.True(at > 0);
                body = [.. body[..at], 0xC3, 0x28, .. body[(at + marker.Length)..]];
                break;
        }

        var response = await PostRawAsync(body);
        await response.AssertProblem(HttpStatusCode.BadRequest, "invalid_payload");
        await using var db = app.Db();
        Assert.False(await db.StripeEvents.AnyAsync(e => e.Id == eventId));
        Assert.Equal(0, (await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId)).PaidCents);

        // the well-formed event still applies
        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId))));
    }

    [Fact]
    public async Task A_slow_Stripe_answers_504_stripe_unavailable_and_the_redelivered_event_applies()
    {
        var (booking, payment) = await PaidSessionAsync();
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:TimeoutSeconds"] = "1" });
        using var http = host.CreateClient();
        var payload = app.Stripe.CheckoutEvent("checkout.session.completed", payment.SessionId);
        using (app.Stripe.Inject(r => r.Path == $"/v1/payment_intents/{payment.PaymentIntentId}", delay: TimeSpan.FromSeconds(30)))
        {
            var slow = await app.PostWebhookAsync(payload, client: http);
            await slow.AssertProblem(HttpStatusCode.GatewayTimeout, "stripe_unavailable");
            Assert.NotNull(slow.Headers.RetryAfter);
        }
        await using (var db = app.Db())
        {
            Assert.False(await db.StripeEvents.AnyAsync(e => e.Id == Id(payload))); // not recorded: Stripe's redelivery applies it
        }
        Assert.Equal("applied", await OutcomeAsync(await app.PostWebhookAsync(payload, client: http)));
        await using (var db = app.Db())
        {
            Assert.Equal("paid", (await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId)).Status);
        }
    }

    private static byte[] Bytes(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());

    /// <summary>Posts raw bytes signed as Stripe signs them: HMAC-SHA256 over "t." followed by the body's bytes.</summary>
    private async Task<HttpResponseMessage> PostRawAsync(byte[] body)
    {
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signed = System.Text.Encoding.ASCII.GetBytes($"{t}.").Concat(body).ToArray();
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(FakeStripe.WebhookSecret), signed));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{TestBookings.Api}/webhooks/stripe") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("Stripe-Signature", $"t={t},v1={signature}");
        return await app.Client().SendAsync(request);
    }
}
