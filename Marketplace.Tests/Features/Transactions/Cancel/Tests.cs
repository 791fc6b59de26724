using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Cancel;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(long id) => $"{TestBookings.Api}/transactions/{id}/cancel";

    [Fact]
    public async Task The_client_cancels_an_unpaid_booking_its_invoice_becomes_void_and_the_open_session_is_expired()
    {
        var booking = await app.BookAsync();
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;

        var json = await (await booking.ClientApi(app).PostJson(Url(booking.TransactionId), new { reason = "Plans changed" })).AssertJson(HttpStatusCode.OK);

        Assert.Equal(("cancelled", "client", "Plans changed"), (json.GetProperty("status").GetString(), json.GetProperty("cancelledBy").GetString(), json.GetProperty("cancellationReason").GetString()));
        Assert.Equal("void", json.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal("expired", (string?)app.Stripe.Objects[sessionId]["status"]);
        Assert.Single(app.Stripe.RequestsTo($"/v1/checkout/sessions/{sessionId}/expire"));
        using var db = app.Db();
        var mails = await db.Outbox.Where(m => m.Kind == "booking_cancelled" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)).CountAsync();
        Assert.Equal(2, mails);
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "voided"));
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId && a.Action == "cancelled" && a.FromStatus == "invoiced"));
    }

    [Fact]
    public async Task A_paid_booking_cancelled_by_the_client_is_refunded_in_full_through_Stripe()
    {
        var booking = await app.BookAsync(priceCents: 8000);
        var payment = await app.PayAsync(booking);

        var json = await (await booking.ClientApi(app).PostJson(Url(booking.TransactionId), new { })).AssertJson(HttpStatusCode.OK);

        Assert.Equal(("cancelled", 8000L), (json.GetProperty("status").GetString(), json.GetProperty("refundAmountCents").GetInt64()));
        Assert.Equal(("refunded", 8000L, 0L), (json.GetProperty("invoice").GetProperty("status").GetString(),
            json.GetProperty("invoice").GetProperty("refundedCents").GetInt64(), json.GetProperty("invoice").GetProperty("balanceCents").GetInt64()));
        var refund = Assert.Single(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
        Assert.Equal(("8000", "true", "true"), (refund.Form["amount"], refund.Form["reverse_transfer"], refund.Form["refund_application_fee"]));
        Assert.NotNull(refund.IdempotencyKey);

        using var db = app.Db();
        var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
        Assert.Equal((0L, 0L), (provider.TotalRevenueCents, provider.LifetimePayoutCents));
        var mails = await db.Outbox.Where(m => m.Kind == "refund_issued" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)).CountAsync();
        Assert.Equal(2, mails);

        // Stripe's charge.refunded arrives afterwards and finds nothing left to do
        var late = await (await app.PostWebhookAsync(app.Stripe.ChargeRefundedEvent(payment.ChargeId))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("no_change", late.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task The_client_cannot_cancel_once_work_started_but_the_provider_can()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        await (await booking.ProviderApi(app).PostAsync($"{TestBookings.Api}/transactions/{booking.TransactionId}/start", null)).AssertJson(HttpStatusCode.OK);

        await (await booking.ClientApi(app).PostJson(Url(booking.TransactionId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        var json = await (await booking.ProviderApi(app).PostJson(Url(booking.TransactionId), new { reason = "Sick" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("cancelled", "provider"), (json.GetProperty("status").GetString(), json.GetProperty("cancelledBy").GetString()));
        Assert.Equal(booking.TotalCents, json.GetProperty("refundAmountCents").GetInt64());
    }

    [Fact]
    public async Task A_completed_or_cancelled_booking_cannot_be_cancelled()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        await (await booking.ProviderApi(app).PostAsync($"{TestBookings.Api}/transactions/{booking.TransactionId}/complete", null)).AssertJson(HttpStatusCode.OK);
        await (await booking.ProviderApi(app).PostJson(Url(booking.TransactionId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

        var other = await app.BookAsync();
        await (await other.ClientApi(app).PostJson(Url(other.TransactionId), new { })).AssertJson(HttpStatusCode.OK);
        await (await other.ClientApi(app).PostJson(Url(other.TransactionId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await other.ProviderApi(app).PostJson(Url(other.TransactionId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task A_manual_payment_of_a_cancelled_booking_is_recorded_as_refunded()
    {
        var booking = await app.BookAsync(paymentMode: "manual", priceCents: 4000);
        await (await booking.ProviderApi(app).PostJson($"{TestBookings.Api}/invoices/{booking.InvoiceId}/mark-paid", new { method = "cash" })).AssertJson(HttpStatusCode.OK);
        var json = await (await booking.ProviderApi(app).PostJson(Url(booking.TransactionId), new { reason = "Closed" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("cancelled", 4000L), (json.GetProperty("status").GetString(), json.GetProperty("refundAmountCents").GetInt64()));
        Assert.DoesNotContain(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("metadata[transaction_id]") == booking.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Strangers_get_404_and_the_reason_is_validated()
    {
        var booking = await app.BookAsync();
        var stranger = await app.CreateAsync();
        await (await app.Client(stranger.AccessToken).PostJson(Url(booking.TransactionId), new { })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostJson(Url(booking.TransactionId), new { })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await booking.ClientApi(app).PostJson(Url(booking.TransactionId), new { reason = new string('r', 1001) })).AssertValidationError("reason");
    }
}
