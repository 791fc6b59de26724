using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Money;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Admins_list_every_booking_filtered_by_status_provider_and_client_with_cursors()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();
        var older = await app.CreateTransactionAsync(buyer, provider, status: "paid");
        var newer = await app.CreateTransactionAsync(buyer, provider, status: "paid");
        await app.CreateTransactionAsync(buyer, provider, status: "completed");
        var client = app.Client(admin.AccessToken);

        var first = await (await client.GetAsync($"{AdminApi.Base}/transactions?status=paid&providerId={provider.Id}&clientId={buyer.Id}&limit=1"))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal(newer, first.GetProperty("items")[0].GetProperty("id").GetInt64());
        var cursor = Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!);
        var second = await (await client.GetAsync($"{AdminApi.Base}/transactions?status=paid&providerId={provider.Id}&clientId={buyer.Id}&limit=1&cursor={cursor}"))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal(older, second.GetProperty("items")[0].GetProperty("id").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var all = await (await client.GetAsync($"{AdminApi.Base}/transactions?providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(3, all.GetProperty("items").GetArrayLength());
        await (await client.GetAsync($"{AdminApi.Base}/transactions?status=lost")).AssertValidationError("status");
        await (await client.GetAsync($"{AdminApi.Base}/transactions?status=completed&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task An_admin_confirms_a_manual_payment_the_provider_recorded_once()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync(paymentMode: "manual", priceCents: 6000);
        var url = $"{AdminApi.Base}/invoices/{booking.InvoiceId}/confirm-manual-payment";
        var client = app.Client(admin.AccessToken);

        await (await client.PostJson(url, new { reason = "Not paid yet." })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await booking.ProviderApi(app).PostJson($"{TestBookings.Api}/invoices/{booking.InvoiceId}/mark-paid", new { method = "check", reference = "#7" }))
            .AssertJson(HttpStatusCode.OK);

        var json = await (await client.PostJson(url, new { reason = "Cheque cleared." })).AssertJson(HttpStatusCode.OK);

        Assert.Equal("paid", json.GetProperty("status").GetString());
        using (var db = app.Db())
        {
            Assert.Equal(admin.Id, await db.Invoices.Where(i => i.Id == booking.InvoiceId).Select(i => i.ManualPaymentConfirmedBy).FirstAsync());
        }
        await (await client.PostJson(url, new { reason = "Again." })).AssertProblem(HttpStatusCode.Conflict, "already_confirmed");
        Assert.Equal([$"manual_payment_confirmed:paid->paid by admin#{admin.Id}"], await app.AdminAuditAsync("invoice", booking.InvoiceId!.Value));
        Assert.Equal(["invoice.issued", "invoice.paid", "invoice.manual_payment_confirmed"], app.EventTypesOf("invoice", booking.InvoiceId!.Value));
    }

    [Fact]
    public async Task A_Stripe_invoice_has_no_manual_payment_to_confirm()
    {
        var admin = await app.CreateAdminAsync();
        var booking = await app.BookAsync();
        await (await app.Client(admin.AccessToken).PostJson($"{AdminApi.Base}/invoices/{booking.InvoiceId}/confirm-manual-payment", new { reason = "x" }))
            .AssertProblem(HttpStatusCode.Conflict, "manual_payment_not_allowed");
        await (await app.Client(admin.AccessToken).PostJson($"{AdminApi.Base}/invoices/999999999/confirm-manual-payment", new { reason = "x" }))
            .AssertProblem(HttpStatusCode.NotFound, "not_found");
    }
}
