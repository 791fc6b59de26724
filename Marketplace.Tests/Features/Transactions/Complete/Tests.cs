using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Complete;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(long id, string action = "complete") => $"{TestBookings.Api}/transactions/{id}/{action}";

    [Fact]
    public async Task A_paid_booking_can_be_completed_without_being_started_and_counts_for_the_provider()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        var json = await (await booking.ProviderApi(app).PostAsync(Url(booking.TransactionId), null)).AssertJson(HttpStatusCode.OK);
        Assert.Equal("completed", json.GetProperty("status").GetString());
        using var db = app.Db();
        Assert.Equal(1, await db.Providers.Where(p => p.Id == booking.Provider.Id).Select(p => p.CompletedTransactions).FirstAsync());
    }

    [Fact]
    public async Task An_unpaid_or_completed_booking_cannot_be_completed_and_only_its_provider_completes_it()
    {
        var booking = await app.BookAsync();
        var http = booking.ProviderApi(app);
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await app.PayAsync(booking);
        await (await booking.ClientApi(app).PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Forbidden, "not_transaction_provider");
        await (await app.Client((await app.CreateAsync()).AccessToken).PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertJson(HttpStatusCode.OK);
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    /// <summary>The required race: of a concurrent cancel and complete exactly one wins, the other is 409, and the loser changed nothing.</summary>
    [Fact]
    public async Task Of_a_concurrent_cancel_and_complete_exactly_one_wins()
    {
        for (var round = 0; round < 4; round++)
        {
            var booking = await app.BookAsync();
            await app.PayAsync(booking);
            var http = booking.ProviderApi(app);
            var start = new TaskCompletionSource();
            var complete = Task.Run(async () => { await start.Task; return await http.PostAsync(Url(booking.TransactionId), null); });
            var cancel = Task.Run(async () => { await start.Task; return await http.PostJson(Url(booking.TransactionId, "cancel"), new { reason = "race" }); });
            start.SetResult();
            var results = await Task.WhenAll(complete, cancel);

            var codes = results.Select(r => r.StatusCode).ToList();
            Assert.Single(codes, HttpStatusCode.OK);
            Assert.Single(codes, HttpStatusCode.Conflict);
            await results.Single(r => r.StatusCode == HttpStatusCode.Conflict).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

            using var db = app.Db();
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            var provider = await db.Providers.FirstAsync(p => p.Id == booking.Provider.Id);
            if (results[0].StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal(("completed", 1, 0L), (t.Status, provider.CompletedTransactions, t.RefundAmountCents));
                Assert.Null(t.CancelledAt);
            }
            else
            {
                Assert.Equal(("cancelled", 0, t.TotalCents), (t.Status, provider.CompletedTransactions, t.RefundAmountCents));
                Assert.Null(t.CompletedAt);
            }
        }
    }
}
