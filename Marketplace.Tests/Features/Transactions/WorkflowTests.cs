using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions;

/// <summary>The whole money path through HTTP: book -> invoice -> pay (Checkout) -> webhook -> start -> complete.</summary>
public sealed class WorkflowTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    [Fact]
    public async Task A_quoted_request_goes_from_booking_to_completion_with_every_amount_and_mail_right()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "custom", null);
        var client = await app.CreateAsync(firstName: "Ada");
        var asClient = app.Client(client.AccessToken);
        var asProvider = app.Client(provider.Owner.AccessToken);

        // book: a custom listing is a pending request
        var booked = await (await asClient.PostJson($"{Api}/transactions", new { listingId, notes = "Two poodles", requestedStartAt = DateTime.UtcNow.AddDays(3) }))
            .AssertJson(HttpStatusCode.Created);
        var id = booked.GetProperty("id").GetInt64();
        Assert.Equal("pending", booked.GetProperty("status").GetString());
        Assert.Equal("client", booked.GetProperty("role").GetString());

        // the provider prices it: 12,345 cents + 8.25 % tax, fee 10 %
        var invoiced = await (await asProvider.PostJson($"{Api}/transactions/{id}/invoice", new { servicePriceCents = 12345, taxRate = 0.0825m, notes = "Bring the leash", internalNotes = "difficult dogs" }))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal("invoiced", invoiced.GetProperty("status").GetString());
        Assert.Equal(12345, invoiced.GetProperty("servicePriceCents").GetInt64());
        Assert.Equal(1235, invoiced.GetProperty("platformFeeCents").GetInt64()); // 1234.5 rounds half up
        Assert.Equal(1018, invoiced.GetProperty("taxCents").GetInt64()); // 1018.4625
        Assert.Equal(13363, invoiced.GetProperty("totalCents").GetInt64());
        Assert.Equal(12128, invoiced.GetProperty("providerPayoutCents").GetInt64());
        var invoiceId = invoiced.GetProperty("invoice").GetProperty("id").GetInt32();
        Assert.Matches(@"^MP-\d{4}-\d{6,}$", invoiced.GetProperty("invoice").GetProperty("invoiceNumber").GetString());

        // the client views and pays it
        var invoice = await (await asClient.GetAsync($"{Api}/invoices/{invoiceId}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("viewed", invoice.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, invoice.GetProperty("internalNotes").ValueKind);
        var booking = new TestBooking(client, provider, listingId, id, invoiceId, 13363);
        var payment = await app.PayAsync(booking, stripeFeeCents: 418);

        var paid = await (await asClient.GetAsync($"{Api}/transactions/{id}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("paid", paid.GetProperty("status").GetString());
        Assert.Equal(418, paid.GetProperty("stripeFeesCents").GetInt64());
        Assert.Equal("paid", paid.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(0, paid.GetProperty("invoice").GetProperty("balanceCents").GetInt64());

        // start and complete
        Assert.Equal("in_progress", (await (await asProvider.PostAsync($"{Api}/transactions/{id}/start", null)).AssertJson(HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("completed", (await (await asProvider.PostAsync($"{Api}/transactions/{id}/complete", null)).AssertJson(HttpStatusCode.OK)).GetProperty("status").GetString());

        using var db = app.Db();
        var stored = await db.Invoices.FirstAsync(i => i.Id == invoiceId);
        Assert.Equal(payment.PaymentIntentId, stored.StripePaymentIntentId);
        Assert.Equal(payment.ChargeId, stored.StripeChargeId);
        Assert.Equal(13363, stored.PaidCents);
        var row = await db.Providers.FirstAsync(p => p.Id == provider.Id);
        Assert.Equal((1, 1, 13363L, 12128L), (row.TotalTransactions, row.CompletedTransactions, row.TotalRevenueCents, row.LifetimePayoutCents));
        var mails = await db.Outbox.Where(m => m.ToAddress == client.Email || m.ToAddress == provider.Owner.Email).Select(m => m.Kind + ">" + (m.ToAddress == client.Email ? "client" : "provider")).ToListAsync();
        Assert.Equal(["booking_requested>provider", "invoice_issued>client", "payment_receipt>client", "payment_receipt>provider"], mails.Order());
        var audit = await db.AuditLog.Where(a => a.EntityType == "transaction" && a.EntityId == id).OrderBy(a => a.Id).Select(a => a.ToStatus).ToListAsync();
        Assert.Equal(["pending", "invoiced", "paid", "in_progress", "completed"], audit);
    }
}
