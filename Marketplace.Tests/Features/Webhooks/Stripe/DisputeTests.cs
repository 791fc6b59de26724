using System.Net;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.DependencyInjection;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

/// <summary>charge.dispute.*: hold, release, a lost dispute's loss and its transfer reversal (once), funds withdrawn and reinstated.</summary>
public sealed class DisputeTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Start(long id) => $"{TestBookings.Api}/transactions/{id}/start";

    private static string Complete(long id) => $"{TestBookings.Api}/transactions/{id}/complete";

    private async Task<string> OutcomeAsync(HttpResponseMessage response) =>
        (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString()!;

    [Fact]
    public async Task An_open_dispute_holds_the_booking_and_a_won_one_releases_it()
    {
        var booking = await app.BookAsync(priceCents: 10000);
        var payment = await app.PayAsync(booking);
        var disputeId = FakeStripe.NewId("dp");

        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.created", payment.ChargeId, "needs_response", disputeId))));
        await (await booking.ProviderApi(app).PostAsync(Start(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "on_hold");
        await (await booking.ProviderApi(app).PostAsync(Complete(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "on_hold");
        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.funds_withdrawn", payment.ChargeId, "needs_response", disputeId))));

        using (var db = app.Db())
        {
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            Assert.Equal(("paid", "dispute"), (t.Status, t.OnHoldReason));
            Assert.NotNull(t.OnHoldAt);
            var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
            Assert.Equal(("needs_response", 10000L, 10000L), (invoice.DisputeStatus, invoice.DisputeAmountCents, invoice.DisputeWithdrawnCents));
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "dispute_opened" && m.ToAddress == booking.Provider.Owner.Email));
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "dispute_opened" && m.ToAddress == AppFixture.OperatorsEmail && m.TextBody.Contains(invoice.InvoiceNumber)));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId && a.Action == "on_hold"));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "dispute_funds_withdrawn"));
            Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(db, "dispute.created", disputeId));
            Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(db, "dispute.funds_withdrawn", disputeId));
            Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(db, "transaction.on_hold", booking.TransactionId.ToString()));
        }

        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.funds_reinstated", payment.ChargeId, "won", disputeId))));
        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.closed", payment.ChargeId, "won", disputeId))));
        await (await booking.ProviderApi(app).PostAsync(Start(booking.TransactionId), null)).AssertJson(HttpStatusCode.OK);

        using var check = app.Db();
        Assert.Null(await check.Transactions.Where(x => x.Id == booking.TransactionId).Select(x => x.OnHoldAt).FirstAsync());
        var provider = await check.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((10000L, 9000L, 0L), (provider.TotalRevenueCents, provider.LifetimePayoutCents, provider.DisputesLostCents));
        Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(check, "transaction.released", booking.TransactionId.ToString()));
        Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(check, "dispute.closed", disputeId));
        Assert.DoesNotContain(app.Stripe.Requests, r => r.Form.GetValueOrDefault("metadata[dispute_id]") == disputeId);
    }

    [Fact]
    public async Task A_lost_dispute_delivered_eight_times_at_once_reverses_the_providers_transfer_once_and_records_the_loss()
    {
        var booking = await app.BookAsync(priceCents: 10000); // fee 1000: the transfer is 9000
        var payment = await app.PayAsync(booking);
        var disputeId = FakeStripe.NewId("dp");
        Assert.Equal("dispute", await OutcomeAsync(await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.created", payment.ChargeId, "needs_response", disputeId))));

        var lost = app.Stripe.DisputeEvent("charge.dispute.closed", payment.ChargeId, "lost", disputeId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.PostWebhookAsync(lost)));
        foreach (var answer in answers)
        {
            await answer.AssertJson(HttpStatusCode.OK);
        }
        // another event id reporting the same loss changes nothing more
        await (await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.closed", payment.ChargeId, "lost", disputeId))).AssertJson(HttpStatusCode.OK);

        var transferId = (string)app.Stripe.Charge(payment.ChargeId)["transfer"]!;
        var reversals = app.Stripe.RequestsTo($"/v1/transfers/{transferId}/reversals");
        var reversal = Assert.Single(reversals);
        Assert.Equal(("9000", $"dispute-reversal-{disputeId}", disputeId), (reversal.Form["amount"], reversal.IdempotencyKey, reversal.Form["metadata[dispute_id]"]));
        Assert.Equal(9000L, (long)app.Stripe.Objects[transferId]["amount_reversed"]!);

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Equal(("lost", 10000L), (invoice.DisputeStatus, invoice.DisputeLostCents));
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal(10000L, provider.DisputesLostCents);
        var lostSum = await db.Invoices.Where(i => db.Transactions.Any(t => t.Id == i.TransactionId && t.ProviderId == booking.Provider.Id)).SumAsync(i => i.DisputeLostCents);
        Assert.Equal(provider.DisputesLostCents, lostSum);
        var row = await db.QueryToListAsync<string>("SELECT status || ':' || amount_cents || ':' || attempts FROM marketplace.transfer_reversals WHERE dispute_id = @id", new DataParameter("id", disputeId));
        Assert.Equal(["reversed:9000:1"], row);
        Assert.Null(await db.Transactions.Where(x => x.Id == booking.TransactionId).Select(x => x.OnHoldAt).FirstAsync());
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId && a.Action == "transfer_reversed"));
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "provider" && a.EntityId == booking.Provider.Id && a.Action == "dispute_lost"));
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.Kind == "dispute_closed" && m.ToAddress == booking.Provider.Owner.Email));
        Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(db, "transfer.reversed", booking.TransactionId.ToString()));
        Assert.Equal(1, await RefundFailureTests.DomainEventCountAsync(db, "dispute.closed", disputeId));
    }

    [Fact]
    public async Task A_reversal_Stripe_refuses_stays_pending_and_is_performed_once_by_the_next_sweep()
    {
        var booking = await app.BookAsync(priceCents: 8000);
        var payment = await app.PayAsync(booking);
        var disputeId = FakeStripe.NewId("dp");
        var transferId = (string)app.Stripe.Charge(payment.ChargeId)["transfer"]!;
        using (app.Stripe.Inject(r => r.Path == $"/v1/transfers/{transferId}/reversals", failWith: 500))
        {
            await (await app.PostWebhookAsync(app.Stripe.DisputeEvent("charge.dispute.closed", payment.ChargeId, "lost", disputeId))).AssertJson(HttpStatusCode.OK);
        }
        using (var db = app.Db())
        {
            var pending = await db.QueryToListAsync<string>("SELECT status FROM marketplace.transfer_reversals WHERE dispute_id = @id", new DataParameter("id", disputeId));
            Assert.Equal(["pending"], pending);
        }

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var s = app.Factory.Services.CreateAsyncScope();
            return await Marketplace.Api.Payments.TransferReversals.PerformPendingAsync(s.ServiceProvider.GetRequiredService<Marketplace.Api.Data.Db>(),
                s.ServiceProvider.GetRequiredService<Marketplace.Api.Infrastructure.Stripe.StripeAccess>(),
                s.ServiceProvider.GetRequiredService<Marketplace.Api.Infrastructure.MarketplaceOptions>(), TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, disputeId, CancellationToken.None);
        }));
        Assert.Equal(1, sweeps.Sum());
        Assert.All(app.Stripe.RequestsTo($"/v1/transfers/{transferId}/reversals"), r => Assert.Equal(($"dispute-reversal-{disputeId}", "7200"), (r.IdempotencyKey, r.Form["amount"])));
        Assert.Equal(7200L, (long)app.Stripe.Objects[transferId]["amount_reversed"]!);
    }
}
