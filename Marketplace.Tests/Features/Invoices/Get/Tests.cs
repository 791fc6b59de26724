using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Invoices.Get;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int? id) => $"{TestBookings.Api}/invoices/{id}";

    [Fact]
    public async Task The_clients_first_view_marks_the_invoice_viewed_once()
    {
        var booking = await app.BookAsync(priceCents: 7000);

        var providerView = await (await booking.ProviderApi(app).GetAsync(Url(booking.InvoiceId))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("sent", providerView.GetProperty("status").GetString());

        var first = await (await booking.ClientApi(app).GetAsync(Url(booking.InvoiceId))).AssertJson(HttpStatusCode.OK);
        var second = await (await booking.ClientApi(app).GetAsync(Url(booking.InvoiceId))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("viewed", first.GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("viewedAt").GetDateTime(), second.GetProperty("viewedAt").GetDateTime());
        Assert.Equal((7000L, 0L, 7000L, 7000L, 0L), (first.GetProperty("totalCents").GetInt64(), first.GetProperty("paidCents").GetInt64(),
            first.GetProperty("balanceCents").GetInt64(), first.GetProperty("subtotalCents").GetInt64(), first.GetProperty("refundedCents").GetInt64()));
        Assert.Equal(booking.TransactionId, first.GetProperty("transactionId").GetInt64());

        using var db = app.Db();
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "invoice" && a.EntityId == booking.InvoiceId && a.Action == "viewed"));
    }

    [Fact]
    public async Task Internal_notes_are_for_the_provider_only()
    {
        var provider = await app.CreateProviderAsync("offline");
        await using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.PaymentInstructions, "Pay cash at pick-up").UpdateAsync();
        }
        var listingId = await app.CreateListingAsync(provider, "active", "contact", null);
        var client = await app.CreateAsync();
        var id = (await (await app.Client(client.AccessToken).PostJson($"{TestBookings.Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var invoiced = await (await app.Client(provider.Owner.AccessToken).PostJson($"{TestBookings.Api}/transactions/{id}/invoice",
            new { servicePriceCents = 900, notes = "Thanks!", internalNotes = "bites" })).AssertJson(HttpStatusCode.OK);
        var invoiceId = invoiced.GetProperty("invoice").GetProperty("id").GetInt32();

        var asProvider = await (await app.Client(provider.Owner.AccessToken).GetAsync(Url(invoiceId))).AssertJson(HttpStatusCode.OK);
        var asClient = await (await app.Client(client.AccessToken).GetAsync(Url(invoiceId))).AssertJson(HttpStatusCode.OK);
        Assert.Equal("bites", asProvider.GetProperty("internalNotes").GetString());
        Assert.Equal(JsonValueKind.Null, asClient.GetProperty("internalNotes").ValueKind);
        Assert.DoesNotContain("bites", asClient.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(("Thanks!", "offline", "Pay cash at pick-up"), (asClient.GetProperty("notes").GetString(),
            asClient.GetProperty("paymentMethod").GetString(), asClient.GetProperty("paymentInstructions").GetString()));
    }

    [Fact]
    public async Task Anyone_else_gets_404()
    {
        var booking = await app.BookAsync();
        var stranger = await app.CreateProviderAsync();
        await (await app.Client(stranger.Owner.AccessToken).GetAsync(Url(booking.InvoiceId))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(stranger.Owner.AccessToken).GetAsync(Url(int.MaxValue))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().GetAsync(Url(booking.InvoiceId))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    /// <summary>README invariants: total = subtotal + tax; balance = total - paid; refunded at most paid; the database refuses anything else.</summary>
    [Theory]
    [InlineData("balance_cents = balance_cents + 1")]
    [InlineData("paid_cents = total_cents + 1, balance_cents = -1")]
    [InlineData("refunded_cents = paid_cents + 1")]
    [InlineData("total_cents = total_cents + 1, balance_cents = balance_cents + 1")]
    public async Task The_invoice_invariants_are_enforced_by_the_database(string set)
    {
        var booking = await app.BookAsync();
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var update = new Npgsql.NpgsqlCommand($"UPDATE marketplace.invoices SET {set} WHERE id = {booking.InvoiceId}", connection);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, error.SqlState);
    }
}
