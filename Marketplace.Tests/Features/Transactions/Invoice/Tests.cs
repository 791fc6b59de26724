using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Invoice;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(TestProvider Provider, TestUser Client, long Id)> RequestAsync(string paymentMode = "stripe_connect")
    {
        var provider = await app.CreateProviderAsync(paymentMode);
        var listingId = await app.CreateListingAsync(provider, "active", "contact", null);
        var client = await app.CreateAsync();
        var json = await (await app.Client(client.AccessToken).PostJson($"{TestBookings.Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created);
        return (provider, client, json.GetProperty("id").GetInt64());
    }

    private static string Url(long id) => $"{TestBookings.Api}/transactions/{id}/invoice";

    [Fact]
    public async Task The_provider_prices_a_request_and_the_client_gets_the_invoice()
    {
        var (provider, client, id) = await RequestAsync();
        var due = DateTime.UtcNow.AddDays(7);
        var json = await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { servicePriceCents = 20000, taxRate = 0.1m, dueAt = due, internalNotes = "repeat client" }))
            .AssertJson(HttpStatusCode.OK);

        Assert.Equal(("invoiced", 22000L, 2000L, 2000L), (json.GetProperty("status").GetString(), json.GetProperty("totalCents").GetInt64(),
            json.GetProperty("taxCents").GetInt64(), json.GetProperty("platformFeeCents").GetInt64()));
        Assert.Equal(0.1m, json.GetProperty("taxRate").GetDecimal());
        using var db = app.Db();
        var invoice = await db.Invoices.FirstAsync(i => i.TransactionId == id);
        Assert.Equal(("sent", 20000L, 2000L, 22000L, 22000L, "repeat client"), (invoice.Status, invoice.SubtotalCents, invoice.TaxCents, invoice.TotalCents, invoice.BalanceCents, invoice.InternalNotes));
        Assert.Equal(due, invoice.DueAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.True(await db.Outbox.AnyAsync(m => m.ToAddress == client.Email && m.Kind == "invoice_issued" && m.Subject.Contains(invoice.InvoiceNumber)));
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "invoice" && a.EntityId == invoice.Id && a.Action == "issued" && a.ActorUserId == provider.Owner.Id));
    }

    [Fact]
    public async Task A_manual_providers_invoice_is_paid_outside_Stripe()
    {
        var (provider, _, id) = await RequestAsync("manual");
        await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { servicePriceCents = 5000 })).AssertJson(HttpStatusCode.OK);
        using var db = app.Db();
        Assert.Equal("manual", await db.Invoices.Where(i => i.TransactionId == id).Select(i => i.PaymentMethod).FirstAsync());
    }

    [Fact]
    public async Task Invoice_numbers_are_unique_and_readable()
    {
        var numbers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var booking = await app.BookAsync();
            using var db = app.Db();
            numbers.Add(await db.Invoices.Where(x => x.Id == booking.InvoiceId).Select(x => x.InvoiceNumber).FirstAsync());
        }
        Assert.All(numbers, n => Assert.Matches($@"^MP-{DateTime.UtcNow.Year}-\d{{6,}}$", n));
        Assert.Equal(3, numbers.Distinct().Count());
    }

    [Fact]
    public async Task Only_a_pending_request_is_invoiced_and_only_by_its_provider()
    {
        var (provider, client, id) = await RequestAsync();
        await (await app.Client(client.AccessToken).PostJson(Url(id), new { servicePriceCents = 5000 })).AssertProblem(HttpStatusCode.Forbidden, "not_transaction_provider");
        var stranger = await app.CreateProviderAsync();
        await (await app.Client(stranger.Owner.AccessToken).PostJson(Url(id), new { servicePriceCents = 5000 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostJson(Url(id), new { servicePriceCents = 5000 })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var fixedBooking = await app.BookAsync();
        await (await fixedBooking.ProviderApi(app).PostJson(Url(fixedBooking.TransactionId), new { servicePriceCents = 5000 }))
            .AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        var asProvider = app.Client(provider.Owner.AccessToken);
        await (await asProvider.PostJson(Url(id), new { servicePriceCents = 5000 })).AssertJson(HttpStatusCode.OK);
        await (await asProvider.PostJson(Url(id), new { servicePriceCents = 6000 })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Price_and_tax_rate_are_validated()
    {
        var (provider, _, id) = await RequestAsync();
        var http = app.Client(provider.Owner.AccessToken);
        await (await http.PostJson(Url(id), new { })).AssertValidationError("servicePriceCents");
        await (await http.PostJson(Url(id), new { servicePriceCents = 0 })).AssertValidationError("servicePriceCents");
        await (await http.PostJson(Url(id), new { servicePriceCents = 1_000_000_001 })).AssertValidationError("servicePriceCents");
        await (await http.PostJson(Url(id), new { servicePriceCents = 100, taxRate = 1.5m })).AssertValidationError("taxRate");
        await (await http.PostJson(Url(id), new { servicePriceCents = 100, taxRate = 0.08251m })).AssertValidationError("taxRate");
        await (await http.PostJson(Url(id), new { servicePriceCents = 100, notes = new string('n', 2001) })).AssertValidationError("notes");
        await (await http.PostJson(Url(id), new { servicePriceCents = 100, dueAt = DateTime.UtcNow.AddDays(-1) })).AssertValidationError("dueAt");
        await (await http.PostJson(Url(id), new { servicePriceCents = 12.5 })).AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
    }
}
