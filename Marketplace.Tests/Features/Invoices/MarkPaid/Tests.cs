using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Invoices.MarkPaid;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int? id) => $"{TestBookings.Api}/invoices/{id}/mark-paid";

    [Theory]
    [InlineData("manual")]
    [InlineData("offline")]
    public async Task A_manual_payment_is_recorded_by_the_provider(string paymentMode)
    {
        var booking = await app.BookAsync(paymentMode: paymentMode, priceCents: 6000);
        var json = await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "check", reference = "#1042" })).AssertJson(HttpStatusCode.OK);

        Assert.Equal(("paid", 6000L, 0L, paymentMode), (json.GetProperty("status").GetString(), json.GetProperty("paidCents").GetInt64(),
            json.GetProperty("balanceCents").GetInt64(), json.GetProperty("paymentMethod").GetString()));
        Assert.Equal(("check", "#1042"), (json.GetProperty("manualPaymentMethod").GetString(), json.GetProperty("manualPaymentReference").GetString()));

        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Null(invoice.ManualPaymentConfirmedBy); // an admin confirms it (admin/invoices/{id}/confirm-manual-payment)
        Assert.NotNull(invoice.ManualPaymentMarkedAt);
        Assert.Equal("paid", await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.Status).FirstAsync());
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((6000L, 5400L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
        Assert.Equal(2, await db.Outbox.CountAsync(m => m.Kind == "payment_receipt" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)));
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "paid" && a.ActorUserId == booking.Provider.Owner.Id));

        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "cash" })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Past_the_payment_window_a_manual_payment_is_refused_even_before_the_expiry_job_runs()
    {
        var booking = await app.BookAsync(paymentMode: "manual", priceCents: 6000);
        using var db = app.Db();
        await db.Transactions.Where(t => t.Id == booking.TransactionId).Set(t => t.HoldUntil, DateTime.UtcNow.AddSeconds(-1)).UpdateAsync();

        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "cash" })).AssertProblem(HttpStatusCode.Conflict, "payment_window_closed");
        Assert.Equal("sent", await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.Status).FirstAsync());
        Assert.Equal(0L, await db.Providers.Where(p => p.Id == booking.Provider.Id).Select(p => p.TotalRevenueCents).FirstAsync());
    }

    [Fact]
    public async Task A_Stripe_invoice_is_not_marked_paid_by_hand()
    {
        var booking = await app.BookAsync();
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "cash" })).AssertProblem(HttpStatusCode.Conflict, "manual_payment_not_allowed");
    }

    [Fact]
    public async Task Only_the_provider_records_it_with_a_known_method()
    {
        var booking = await app.BookAsync(paymentMode: "manual");
        await (await booking.ClientApi(app).PostJson(Url(booking.InvoiceId), new { method = "cash" })).AssertProblem(HttpStatusCode.Forbidden, "not_invoice_provider");
        var stranger = await app.CreateProviderAsync("manual");
        await (await app.Client(stranger.Owner.AccessToken).PostJson(Url(booking.InvoiceId), new { method = "cash" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "crypto" })).AssertValidationError("method");
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { })).AssertValidationError("method");
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { method = "cash", reference = new string('r', 201) })).AssertValidationError("reference");
    }
}
