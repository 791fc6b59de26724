using System.Net;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Features.Providers.Payouts;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = TestBookings.Api + "/providers/me/payouts";

    private static JsonObject Payout(string id, long amount, string status, long created, string? failureCode = null) => new()
    {
        ["id"] = id,
        ["object"] = "payout",
        ["amount"] = amount,
        ["arrival_date"] = created + 2 * 86400,
        ["automatic"] = true,
        ["balance_transaction"] = FakeStripe.NewId("txn"),
        ["created"] = created,
        ["currency"] = "usd",
        ["destination"] = FakeStripe.NewId("ba"),
        ["failure_code"] = failureCode,
        ["failure_message"] = failureCode is null ? null : "The bank account has been closed.",
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["method"] = "standard",
        ["status"] = status,
        ["type"] = "bank_account",
    };

    private async Task<string> DeliverAsync(string type, JsonObject payout, string account) =>
        (await (await app.PostWebhookAsync(FakeStripe.Event(type, payout, account), FakeStripe.ConnectWebhookSecret)).AssertJson(HttpStatusCode.OK))
            .GetProperty("outcome").GetString()!;

    [Fact]
    public async Task Payouts_follow_their_lifecycle_per_provider_and_the_dashboard_sums_equal_the_rows()
    {
        var provider = await app.CreateProviderAsync();
        var other = await app.CreateProviderAsync();
        var account = provider.StripeAccountId!;
        var t0 = FakeStripe.UnixNow() - 1000;
        var paid = FakeStripe.NewId("po");
        var failed = FakeStripe.NewId("po");
        var moving = FakeStripe.NewId("po");

        Assert.Equal("applied", await DeliverAsync("payout.created", Payout(paid, 9000, "pending", t0), account));
        Assert.Equal("applied", await DeliverAsync("payout.paid", Payout(paid, 9000, "paid", t0), account));
        Assert.Equal("applied", await DeliverAsync("payout.failed", Payout(failed, 4000, "failed", t0 + 10, "account_closed"), account)); // its created came late
        Assert.Equal("stale", await DeliverAsync("payout.created", Payout(failed, 4000, "pending", t0 + 10), account));
        Assert.Equal("applied", await DeliverAsync("payout.created", Payout(moving, 2500, "in_transit", t0 + 20), account));
        Assert.Equal("applied", await DeliverAsync("payout.created", Payout(FakeStripe.NewId("po"), 700, "paid", t0 + 30), other.StripeAccountId!));
        Assert.Equal("unmatched", await DeliverAsync("payout.paid", Payout(FakeStripe.NewId("po"), 1, "paid", t0), "acct_unknown000000000000"));

        using (var db = app.Db())
        {
            var rows = await db.Payouts.Where(p => p.ProviderId == provider.Id).ToListAsync();
            Assert.Equal(3, rows.Count);
            Assert.Equal(("paid", "failed", "in_transit"), (rows.Single(r => r.StripePayoutId == paid).Status, rows.Single(r => r.StripePayoutId == failed).Status,
                rows.Single(r => r.StripePayoutId == moving).Status));
            Assert.Equal(("account_closed", "The bank account has been closed."), (rows.Single(r => r.StripePayoutId == failed).FailureCode, rows.Single(r => r.StripePayoutId == failed).FailureMessage));
            Assert.Equal(1, await Webhooks.Stripe.RefundFailureTests.DomainEventCountAsync(db, "payout.paid", paid));
            Assert.Equal(1, await Webhooks.Stripe.RefundFailureTests.DomainEventCountAsync(db, "payout.created", paid));
            Assert.Equal(1, await Webhooks.Stripe.RefundFailureTests.DomainEventCountAsync(db, "payout.failed", failed));
            Assert.Equal(1, await Webhooks.Stripe.RefundFailureTests.DomainEventCountAsync(db, "payout.created", failed));
        }

        // newest first, keyset pages of one, only the caller's payouts
        var http = app.Client(provider.Owner.AccessToken);
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await http.GetAsync($"{Url}?limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}")).AssertJson(HttpStatusCode.OK);
            var item = Assert.Single(page.GetProperty("items").EnumerateArray());
            ids.Add(item.GetProperty("id").GetString()!);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal([moving, failed, paid], ids);
        var failedOnly = await (await http.GetAsync($"{Url}?status=failed")).AssertJson(HttpStatusCode.OK);
        var f = Assert.Single(failedOnly.GetProperty("items").EnumerateArray());
        Assert.Equal((failed, 4000L, "usd", "failed", "The bank account has been closed."), (f.GetProperty("id").GetString(), f.GetProperty("amountCents").GetInt64(),
            f.GetProperty("currency").GetString(), f.GetProperty("status").GetString(), f.GetProperty("failureMessage").GetString()));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, f.GetProperty("arrivalDate").ValueKind);

        var dashboard = await (await http.GetAsync($"{TestBookings.Api}/providers/me/dashboard")).AssertJson(HttpStatusCode.OK);
        var payouts = dashboard.GetProperty("payouts");
        Assert.Equal((9000L, 2500L, 4000L), (payouts.GetProperty("paidOutCents").GetInt64(), payouts.GetProperty("inTransitCents").GetInt64(), payouts.GetProperty("failedCents").GetInt64()));
        Assert.Equal(0L, payouts.GetProperty("ledgerPayoutCents").GetInt64());
    }

    [Fact]
    public async Task The_payouts_list_refuses_a_bad_status_an_anonymous_caller_and_a_client()
    {
        var provider = await app.CreateProviderAsync();
        await (await app.Client(provider.Owner.AccessToken).GetAsync($"{Url}?status=gone")).AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        await (await app.Client(provider.Owner.AccessToken).GetAsync($"{Url}?limit=0")).AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(Url)).StatusCode);
        var client = await app.CreateAsync();
        await (await app.Client(client.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}
