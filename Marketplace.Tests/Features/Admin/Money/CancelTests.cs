using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Money;

public sealed class CancelTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(long id) => $"{AdminApi.Base}/transactions/{id}/cancel";

    [Fact]
    public async Task An_admin_cancels_a_paid_booking_and_refunds_the_percent_asked_through_Stripe()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync(priceCents: 10000);
        var payment = await app.PayAsync(booking);

        var json = await (await app.Client(admin.AccessToken).PostJson(Url(booking.TransactionId), new { reason = "Provider unreachable.", refundPercent = 25 }))
            .AssertJson(HttpStatusCode.OK);

        Assert.Equal(("cancelled", 2500L), (json.GetProperty("status").GetString(), json.GetProperty("refundAmountCents").GetInt64()));
        var refund = Assert.Single(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
        Assert.Equal(("2500", "true", "true"), (refund.Form["amount"], refund.Form["reverse_transfer"], refund.Form["refund_application_fee"]));
        Assert.NotNull(refund.IdempotencyKey);
        using (var db = app.Db())
        {
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            Assert.Equal(("admin", "Provider unreachable."), (t.CancelledBy, t.CancellationReason));
        }
        Assert.Contains($"cancelled:paid->cancelled by admin#{admin.Id}", await app.AdminAuditAsync("transaction", booking.TransactionId));
        Assert.Contains("transaction.cancelled", app.EventTypesOf("transaction", booking.TransactionId));

        await (await app.Client(admin.AccessToken).PostJson(Url(booking.TransactionId), new { reason = "again", refundPercent = 100 }))
            .AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        Assert.Single(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
    }

    [Fact]
    public async Task An_unpaid_booking_is_cancelled_without_a_refund_and_its_invoice_voided()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync(paymentMode: "manual");
        var json = await (await app.Client(admin.AccessToken).PostJson(Url(booking.TransactionId), new { reason = "Duplicate booking.", refundPercent = 100 }))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal(("cancelled", 0L), (json.GetProperty("status").GetString(), json.GetProperty("refundAmountCents").GetInt64()));
        using var db = app.Db();
        Assert.Equal("void", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
    }

    [Theory]
    [InlineData(101, "refundPercent")]
    [InlineData(-1, "refundPercent")]
    public async Task The_refund_percent_is_0_to_100_and_a_reason_is_required(int percent, string field)
    {
        var admin = await app.CreateAdminAsync();
        var client = app.Client(admin.AccessToken);
        await (await client.PostJson(Url(1), new { reason = "x", refundPercent = percent })).AssertValidationError(field);
        await (await client.PostJson(Url(1), new { refundPercent = 50 })).AssertValidationError("reason");
        await (await client.PostJson(Url(999999999), new { reason = "x", refundPercent = 50 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }
}
