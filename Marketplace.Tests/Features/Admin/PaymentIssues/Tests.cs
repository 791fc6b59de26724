using System.Net;
using LinqToDB;
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
}
