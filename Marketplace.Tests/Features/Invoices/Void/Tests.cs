using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Invoices.Void;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int? id) => $"{TestBookings.Api}/invoices/{id}/void";

    [Fact]
    public async Task Voiding_an_unpaid_invoice_cancels_its_booking()
    {
        var booking = await app.BookAsync();
        var json = await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { reason = "Wrong price" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("void", json.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, json.GetProperty("voidedAt").ValueKind);

        using var db = app.Db();
        var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
        Assert.Equal(("cancelled", "provider", "Wrong price"), (t.Status, t.CancelledBy, t.CancellationReason));
        Assert.Equal(2, await db.Outbox.CountAsync(m => m.Kind == "booking_cancelled" && (m.ToAddress == booking.Client.Email || m.ToAddress == booking.Provider.Owner.Email)));
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "voided" && a.FromStatus == "sent"));
    }

    [Fact]
    public async Task A_paid_or_void_invoice_cannot_be_voided()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

        var other = await app.BookAsync();
        await (await other.ProviderApi(app).PostJson(Url(other.InvoiceId), new { })).AssertJson(HttpStatusCode.OK);
        await (await other.ProviderApi(app).PostJson(Url(other.InvoiceId), new { })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Only_the_provider_voids()
    {
        var booking = await app.BookAsync();
        await (await booking.ClientApi(app).PostJson(Url(booking.InvoiceId), new { })).AssertProblem(HttpStatusCode.Forbidden, "not_invoice_provider");
        var stranger = await app.CreateAsync();
        await (await app.Client(stranger.AccessToken).PostJson(Url(booking.InvoiceId), new { })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostJson(Url(booking.InvoiceId), new { })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await booking.ProviderApi(app).PostJson(Url(booking.InvoiceId), new { reason = new string('x', 1001) })).AssertValidationError("reason");
    }
}
