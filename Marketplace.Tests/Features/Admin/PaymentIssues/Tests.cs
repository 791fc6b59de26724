using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.PaymentIssues;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = AdminApi.Base + "/payment-issues";

    [Fact]
    public async Task What_the_webhook_flagged_is_listed_with_lost_disputes_only_among_closed_ones()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync();
        var invoiceId = booking.InvoiceId!.Value;
        using (var db = app.Db())
        {
            var now = DateTime.UtcNow;
            foreach (var (action, details) in new[]
            {
                ("duplicate_payment", $$"""{"chargeId":"ch_dup_{{invoiceId}}","amount":5000}"""),
                ("payment_mismatch", """{"amount":4000,"currency":"eur"}"""),
                ("dispute_closed", """{"status":"won"}"""),
                ("dispute_closed", """{"status":"lost"}"""),
                ("paid", "{}"),
            })
            {
                await db.InsertAsync(new AuditLogRow { EntityType = "invoice", EntityId = invoiceId, Action = action, ActorRole = "system", Details = details, CreatedAt = now });
            }
        }
        var client = app.Client(admin.AccessToken);

        var kinds = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"{Url}?limit=50{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}")).AssertJson(HttpStatusCode.OK);
            kinds.AddRange(page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("invoiceId").GetInt32() == invoiceId).Select(i => i.GetProperty("kind").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(["dispute_lost", "amount_or_currency_mismatch", "duplicate_payment"], kinds);

        var duplicates = await (await client.GetAsync($"{Url}?kind=duplicate_payment")).AssertJson(HttpStatusCode.OK);
        var mine = duplicates.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("invoiceId").GetInt32() == invoiceId);
        Assert.Equal((booking.TransactionId, 5000L), (mine.GetProperty("transactionId").GetInt64(), mine.GetProperty("details").GetProperty("amount").GetInt64()));
        await (await client.GetAsync($"{Url}?kind=fraud")).AssertValidationError("kind");
    }

    /// <summary>A booking paid twice (two tabs across an expiry): the webhook flags the second charge as duplicate_payment.</summary>
    private async Task<(long IssueId, string ChargeId, int InvoiceId)> DuplicatePaymentAsync()
    {
        var booking = await app.BookAsync();
        var first = await app.PayAsync(booking);
        var second = app.Stripe.CompleteCheckoutSession(first.SessionId);
        var flagged = await (await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", second.SessionId))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("duplicate_payment", flagged.GetProperty("outcome").GetString());
        using var db = app.Db();
        var issue = await db.AuditLog.SingleAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "duplicate_payment");
        return (issue.Id, second.ChargeId, booking.InvoiceId!.Value);
    }

    private static string ResolveUrl(long id) => $"{Url}/{id}/resolve";

    [Fact]
    public async Task Eight_concurrent_refunds_of_one_duplicate_payment_answer_one_200_and_seven_409_and_refund_once()
    {
        var admin = await app.CreateAdminAsync();
        var (issueId, chargeId, invoiceId) = await DuplicatePaymentAsync();
        var before = app.Stripe.RequestsTo("/v1/refunds").Count(r => r.Form.GetValueOrDefault("charge") == chargeId);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            app.Client(admin.AccessToken).PostJson(ResolveUrl(issueId), new { action = "refund", note = "Paid twice in two tabs." })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await conflict.AssertProblem(HttpStatusCode.Conflict, "already_resolved");
        }
        var resolved = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("refund", "duplicate_payment", admin.Id), (resolved.GetProperty("action").GetString(), resolved.GetProperty("kind").GetString(),
            resolved.GetProperty("resolvedBy").GetInt32()));
        Assert.Equal(1, app.Stripe.RequestsTo("/v1/refunds").Count(r => r.Form.GetValueOrDefault("charge") == chargeId) - before);
        var charge = app.Stripe.Charge(chargeId);
        Assert.Equal((long)charge["amount_captured"]!, (long)charge["amount_refunded"]!);
        Assert.StartsWith("re_", resolved.GetProperty("stripeRefundId").GetString(), StringComparison.Ordinal);

        Assert.Contains("payment_issue_resolved:-> by admin#" + admin.Id, await app.AdminAuditAsync("invoice", invoiceId));
        Assert.Equal(["payment_issue.resolved"], app.EventTypesOf("payment_issue", issueId));
        var open = await (await app.Client(admin.AccessToken).GetAsync($"{Url}?kind=duplicate_payment&limit=100")).AssertJson(HttpStatusCode.OK);
        Assert.DoesNotContain(open.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == issueId);
    }

    [Fact]
    public async Task A_dismissed_issue_leaves_the_list_without_a_refund_and_cannot_be_resolved_again()
    {
        var admin = await app.CreateAdminAsync();
        var (issueId, chargeId, _) = await DuplicatePaymentAsync();
        var client = app.Client(admin.AccessToken);

        var dismissed = await (await client.PostJson(ResolveUrl(issueId), new { action = "dismiss", note = "  Refunded by hand on the Dashboard.  " })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("dismiss", "Refunded by hand on the Dashboard."), (dismissed.GetProperty("action").GetString(), dismissed.GetProperty("note").GetString()));
        Assert.Equal(JsonValueKind.Null, dismissed.GetProperty("stripeRefundId").ValueKind);
        Assert.DoesNotContain(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == chargeId);
        await (await client.PostJson(ResolveUrl(issueId), new { action = "refund", note = "again" })).AssertProblem(HttpStatusCode.Conflict, "already_resolved");
        using var db = app.Db();
        var resolution = db.Query<string>($"SELECT action || ':' || resolved_by FROM marketplace.payment_issue_resolutions WHERE audit_log_id = {issueId}").ToList();
        Assert.Equal([$"dismiss:{admin.Id}"], resolution);
    }

    [Fact]
    public async Task Refund_only_fits_a_flagged_charge_and_the_input_is_validated()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync();
        long mismatch;
        using (var db = app.Db())
        {
            mismatch = Convert.ToInt64(await db.InsertWithIdentityAsync(new AuditLogRow { EntityType = "invoice", EntityId = booking.InvoiceId!.Value, Action = "payment_mismatch",
                ActorRole = "system", Details = """{"expectedCents":5000,"receivedCents":4000}""", CreatedAt = DateTime.UtcNow }));
        }
        var client = app.Client(admin.AccessToken);

        await (await client.PostJson(ResolveUrl(mismatch), new { action = "refund", note = "n" })).AssertProblem(HttpStatusCode.Conflict, "not_refundable");
        await (await client.PostJson(ResolveUrl(mismatch), new { action = "void", note = "n" })).AssertValidationError("action");
        await (await client.PostJson(ResolveUrl(mismatch), new { note = "n" })).AssertValidationError("action");
        await (await client.PostJson(ResolveUrl(mismatch), new { action = "dismiss", note = " " })).AssertValidationError("note");
        await (await client.PostJson(ResolveUrl(mismatch), new { action = "dismiss", note = new string('x', 501) })).AssertValidationError("note");
        await (await client.PostJson(ResolveUrl(999_999_999), new { action = "dismiss", note = "n" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJson(ResolveUrl(mismatch), new { action = "dismiss", note = "Client topped up." })).AssertJson(HttpStatusCode.OK);
    }
}
