using System.Net;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Payments;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

/// <summary>charge.refund.updated with a failed or canceled refund: exactly that refund is reverted, once.</summary>
public sealed class RefundFailureTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Refund(long id) => $"{TestBookings.Api}/transactions/{id}/refund";

    private JsonObject StripeRefund(string chargeId, long amount) =>
        app.Stripe.Objects.Values.Single(o => (string?)o["object"] == "refund" && (string?)o["charge"] == chargeId && (long)o["amount"]! == amount);

    /// <summary>The provider's counters equal the sums recomputed from its transactions (Ledger's definition).</summary>
    private async Task AssertCountersMatchRowsAsync(int providerId)
    {
        using var db = app.Db();
        var paid = await db.Transactions.Where(t => t.ProviderId == providerId && t.PaidAt != null).ToListAsync();
        var provider = await db.Providers.FirstAsync(p => p.Id == providerId);
        Assert.Equal(paid.Sum(t => t.TotalCents - t.RefundAmountCents), provider.TotalRevenueCents);
        Assert.Equal(paid.Sum(t => Money.NetPayout(t.TotalCents, t.PlatformFeeCents, t.RefundAmountCents)), provider.LifetimePayoutCents);
    }

    [Fact]
    public async Task A_full_refund_that_fails_is_reverted_once_when_its_event_arrives_eight_times_at_once_and_can_be_retried()
    {
        var booking = await app.BookAsync(priceCents: 10000);
        var payment = await app.PayAsync(booking);
        await (await booking.ProviderApi(app).PostJson(Refund(booking.TransactionId), new { })).AssertJson(HttpStatusCode.OK);
        var refund = StripeRefund(payment.ChargeId, 10000);

        var failed = app.Stripe.FailRefund((string)refund["id"]!, "failed", "expired_or_canceled_card");
        var payload = FakeStripe.Event("charge.refund.updated", failed);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.PostWebhookAsync(payload)));
        var outcomes = new List<string>();
        foreach (var answer in answers)
        {
            outcomes.Add((await answer.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString()!);
        }
        Assert.Equal(1, outcomes.Count(o => o == "refund_failed"));
        Assert.Equal(7, outcomes.Count(o => o == "no_change"));

        // a second event about the same failed refund (another id) changes nothing either
        var again = await (await app.PostWebhookAsync(FakeStripe.Event("charge.refund.updated", failed))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("no_change", again.GetProperty("outcome").GetString());

        using (var db = app.Db())
        {
            var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            Assert.Equal(("paid", 0L, 1), (invoice.Status, invoice.RefundedCents, invoice.RefundAttempt));
            Assert.NotNull(invoice.RefundFailedAt);
            Assert.Equal("failed: expired_or_canceled_card", invoice.RefundFailure);
            Assert.Equal(("paid", 0L, 0L), (t.Status, t.RefundAmountCents, t.PlatformFeeRefundedCents));
            var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
            Assert.Equal((10000L, 9000L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "refund_failed" && a.FromStatus == "refunded" && a.ToStatus == "paid"));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId && a.Action == "refund_failed" && a.FromStatus == "refunded" && a.ToStatus == "paid"));
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "refund_failed" && m.ToAddress == booking.Provider.Owner.Email));
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "refund_failed" && m.ToAddress == AppFixture.OperatorsEmail && m.TextBody.Contains(invoice.InvoiceNumber)));
            Assert.Equal(1, await DomainEventCountAsync(db, "refund.failed", booking.InvoiceId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        await AssertCountersMatchRowsAsync(booking.Provider.Id);

        // the provider retries: a new Stripe refund (another idempotency key), applied as any refund
        var retried = await (await booking.ProviderApi(app).PostJson(Refund(booking.TransactionId), new { })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("refunded", retried.GetProperty("status").GetString());
        var keys = app.Stripe.RequestsTo("/v1/refunds").Where(r => r.Form.GetValueOrDefault("charge") == payment.ChargeId).Select(r => r.IdempotencyKey).ToList();
        Assert.Equal(2, keys.Distinct().Count());
        Assert.Equal(2, app.Stripe.Objects.Values.Count(o => (string?)o["object"] == "refund" && (string?)o["charge"] == payment.ChargeId));
        await AssertCountersMatchRowsAsync(booking.Provider.Id);
    }

    [Fact]
    public async Task A_failed_partial_refund_reverts_only_its_own_amount_and_a_canceled_one_too()
    {
        var booking = await app.BookAsync(priceCents: 10000);
        var payment = await app.PayAsync(booking);
        await (await booking.ProviderApi(app).PostJson(Refund(booking.TransactionId), new { amountCents = 2000 })).AssertJson(HttpStatusCode.OK);
        await (await booking.ProviderApi(app).PostJson(Refund(booking.TransactionId), new { amountCents = 3000 })).AssertJson(HttpStatusCode.OK);

        var first = app.Stripe.FailRefund((string)StripeRefund(payment.ChargeId, 2000)["id"]!, "canceled", "merchant_request");
        var answer = await (await app.PostWebhookAsync(FakeStripe.Event("charge.refund.updated", first))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("refund_failed", answer.GetProperty("outcome").GetString());

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
        Assert.Equal(("paid", 3000L), (invoice.Status, invoice.RefundedCents));
        Assert.Equal(("paid", 3000L, 300L), (t.Status, t.RefundAmountCents, t.PlatformFeeRefundedCents));
        var row = await db.QueryToListAsync<long>("SELECT reverted_cents FROM marketplace.refund_failures WHERE refund_id = @id", new DataParameter("id", (string)first["id"]!));
        Assert.Equal([2000L], row);
        await AssertCountersMatchRowsAsync(booking.Provider.Id);

        // a refund update that is not a failure changes nothing
        var ok = StripeRefund(payment.ChargeId, 3000);
        var unchanged = await (await app.PostWebhookAsync(FakeStripe.Event("charge.refund.updated", ok))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("no_change", unchanged.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_failed_refund_of_an_unknown_charge_is_unmatched()
    {
        var refund = new JsonObject { ["id"] = FakeStripe.NewId("re"), ["object"] = "refund", ["amount"] = 100, ["charge"] = FakeStripe.NewId("ch"), ["status"] = "failed" };
        var answer = await (await app.PostWebhookAsync(FakeStripe.Event("charge.refund.updated", refund))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("unmatched", answer.GetProperty("outcome").GetString());
    }

    internal static async Task<int> DomainEventCountAsync(Marketplace.Api.Data.Db db, string type, string resourceId) =>
        (await db.QueryToListAsync<int>("SELECT count(*)::int FROM marketplace.domain_events WHERE type = @type AND resource_id = @id",
            new DataParameter("type", type), new DataParameter("id", resourceId))).Single();
}
