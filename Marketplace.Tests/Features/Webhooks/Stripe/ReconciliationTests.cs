using System.Net;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Payments.StripeEvents;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

/// <summary>
/// Stripe reconciliation: events the webhook never delivered are listed from Stripe and applied
/// through the webhook's own path, once, whichever comes first. One class: runs share the one
/// reconciliation state row, so they run one after the other.
/// </summary>
public sealed class ReconciliationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static async Task<ReconciliationReport> ReconcileAsync(WebApplicationFactory<Program> host, DateTime? since)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ReconciliationRunner>().RunAsync(since, CancellationToken.None);
    }

    private static DateTime Recently => DateTime.UtcNow.AddMinutes(-2);

    /// <summary>A paid Checkout whose checkout.session.completed Stripe has (listed by /v1/events) but did not deliver.</summary>
    private async Task<(TestBooking Booking, string Event)> MissedPaymentAsync()
    {
        var booking = await app.BookAsync(priceCents: 10000);
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        app.Stripe.CompleteCheckoutSession(sessionId);
        return (booking, app.Stripe.Publish(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId)));
    }

    private async Task AssertPaidOnceAsync(TestBooking booking)
    {
        using var db = app.Db();
        Assert.Equal("paid", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((10000L, 9000L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "paid"));
        Assert.Equal(2, await db.Outbox.CountAsync(m => m.Kind == "payment_receipt" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)));
    }

    [Fact]
    public async Task A_missed_payment_is_applied_once_whether_the_webhook_comes_before_after_or_at_the_same_time()
    {
        // never delivered: the reconciliation applies it, a late delivery is a duplicate
        var (missed, missedEvent) = await MissedPaymentAsync();
        var report = await ReconcileAsync(app.Factory, Recently);
        Assert.True(report.Ran);
        Assert.Contains(JsonNode.Parse(missedEvent)!["id"]!.GetValue<string>(), report.AppliedEventIds);
        var late = await (await app.PostWebhookAsync(missedEvent)).AssertJson(HttpStatusCode.OK);
        Assert.True(late.GetProperty("duplicate").GetBoolean());
        await AssertPaidOnceAsync(missed);

        // delivered first: the reconciliation finds it recorded
        var (before, beforeEvent) = await MissedPaymentAsync();
        await (await app.PostWebhookAsync(beforeEvent)).AssertJson(HttpStatusCode.OK);
        var second = await ReconcileAsync(app.Factory, Recently);
        Assert.DoesNotContain(JsonNode.Parse(beforeEvent)!["id"]!.GetValue<string>(), second.AppliedEventIds);
        Assert.True(second.AlreadyRecorded >= 2);
        await AssertPaidOnceAsync(before);

        // at the same time, several times over
        for (var round = 0; round < 3; round++)
        {
            var (together, togetherEvent) = await MissedPaymentAsync();
            var webhooks = Enumerable.Range(0, 3).Select(_ => app.PostWebhookAsync(togetherEvent)).ToList();
            var run = ReconcileAsync(app.Factory, Recently);
            foreach (var response in await Task.WhenAll(webhooks))
            {
                await response.AssertJson(HttpStatusCode.OK);
            }
            await run;
            await AssertPaidOnceAsync(together);
        }
    }

    [Fact]
    public async Task It_pages_through_more_than_one_page_and_resumes_from_its_mark_after_a_restart()
    {
        var since = DateTime.UtcNow.AddSeconds(-1);
        var ids = Enumerable.Range(0, 230).Select(_ => JsonNode.Parse(app.Stripe.Publish(TestBookings.CustomerCreatedEvent()))!["id"]!.GetValue<string>()).ToList();
        var first = await ReconcileAsync(app.Factory, since);
        Assert.Equal(0, first.Failed);
        Assert.Superset(ids.ToHashSet(), first.AppliedEventIds.ToHashSet());
        var pages = app.Stripe.Requests.Where(r => r.Path == "/v1/events" && r.StripeAccount is null && r.Form.GetValueOrDefault("created[gte]") == new DateTimeOffset(since).ToUnixTimeSeconds().ToString()).ToList();
        Assert.True(pages.Count >= 3);
        Assert.All(pages, p => Assert.Equal("100", p.Form["limit"]));
        Assert.Equal(pages.Count - 1, pages.Count(p => p.Form.ContainsKey("starting_after")));
        using (var db = app.Db())
        {
            Assert.Equal(230, await db.StripeEvents.CountAsync(e => ids.Contains(e.Id) && e.Outcome == "ignored"));
        }
        Assert.NotNull(first.Mark);

        // a restarted instance starts from the stored mark (less the overlap), finds them recorded, applies only what is new
        using var restarted = app.Isolated();
        var fresh = JsonNode.Parse(app.Stripe.Publish(TestBookings.CustomerCreatedEvent()))!["id"]!.GetValue<string>();
        var again = await ReconcileAsync(restarted, null);
        Assert.Equal(first.Mark!.Value - Reconciliation.Overlap, again.Since);
        Assert.Equal([fresh], again.AppliedEventIds);
        Assert.True(again.AlreadyRecorded >= 230);
    }

    [Fact]
    public async Task Events_of_connected_accounts_are_listed_with_their_account_and_applied()
    {
        var provider = await app.CreateProviderAsync();
        var payoutId = FakeStripe.NewId("po");
        var payout = new JsonObject
        {
            ["id"] = payoutId, ["object"] = "payout", ["amount"] = 4200, ["arrival_date"] = FakeStripe.UnixNow() + 86400, ["created"] = FakeStripe.UnixNow(),
            ["currency"] = "usd", ["failure_code"] = null, ["failure_message"] = null, ["status"] = "paid",
        };
        app.Stripe.Publish(FakeStripe.Event("payout.paid", payout, provider.StripeAccountId));
        var report = await ReconcileAsync(app.Factory, Recently);
        Assert.True(report.Ran);
        Assert.Contains(app.Stripe.Requests, r => r.Path == "/v1/events" && r.StripeAccount == provider.StripeAccountId);
        using var db = app.Db();
        var row = await db.Payouts.FirstAsync(p => p.StripePayoutId == payoutId);
        Assert.Equal((provider.Id, "paid", 4200L), (row.ProviderId, row.Status, row.AmountCents));
    }

    [Fact]
    public async Task The_command_line_mode_reports_the_run_and_answers_documented_exit_codes()
    {
        var (booking, _) = await MissedPaymentAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, await ReconcileCommand.RunAsync(app.Factory.Services, ["stripe", "reconcile", "--since", "yesterday-ish"], output, error));
        Assert.Contains("--since", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await ReconcileCommand.RunAsync(app.Factory.Services, ["stripe", "reconcile", "--until", "x"], output, error));
        Assert.Equal(0, await ReconcileCommand.RunAsync(app.Factory.Services, ["stripe", "reconcile", "--since", Recently.ToString("O")], output, error));
        Assert.Matches(@"listed \d+, applied \d+, already recorded \d+, failed 0", output.ToString());
        await AssertPaidOnceAsync(booking);

        // a run held by another instance: 3
        using (var db = app.Db())
        {
            await db.ExecuteAsync("UPDATE marketplace.stripe_reconciliation SET claimed_until = now() + interval '1 hour'");
        }
        try
        {
            Assert.Equal(3, await ReconcileCommand.RunAsync(app.Factory.Services, ["stripe", "reconcile"], output, error));
        }
        finally
        {
            using var db = app.Db();
            await db.ExecuteAsync("UPDATE marketplace.stripe_reconciliation SET claimed_until = NULL");
        }
    }
}
