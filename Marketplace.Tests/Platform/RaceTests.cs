using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Marketplace.Tests.Platform;

/// <summary>
/// Requests that write the same rows, fired at once and repeated: the one lock order
/// (Infrastructure/LockOrder.cs) keeps them from deadlocking, and whoever loses a race gets a 409,
/// never a 500. Each race is run enough times that it failed reliably before the lock order.
/// </summary>
public sealed class RaceTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    [Fact]
    public async Task A_client_cancel_racing_the_provider_void_answers_200_and_409_never_500()
    {
        var provider = await app.CreateProviderAsync();
        var answers = new List<HttpStatusCode>();
        for (var round = 0; round < 20; round++)
        {
            var booking = await app.BookAsync(provider: provider);
            var statuses = await AllAtOnceAsync(answers,
                () => booking.ClientApi(app).PostJson($"{Api}/transactions/{booking.TransactionId}/cancel", new { reason = "changed my mind" }),
                () => booking.ProviderApi(app).PostJson($"{Api}/invoices/{booking.InvoiceId}/void", new { reason = "wrong price" }));
            Assert.Contains(HttpStatusCode.OK, statuses);
            Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.InternalServerError }));

            using var db = app.Db();
            Assert.Equal("cancelled", (await db.Transactions.FirstAsync(t => t.Id == booking.TransactionId)).Status);
            Assert.Equal("void", (await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId)).Status);
        }
        AssertNo5xx(answers);
    }

    [Fact]
    public async Task A_payment_webhook_racing_the_provider_void_is_applied_or_refused_never_500()
    {
        var provider = await app.CreateProviderAsync();
        var answers = new List<HttpStatusCode>();
        for (var round = 0; round < 20; round++)
        {
            var booking = await app.BookAsync(provider: provider);
            var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
            app.Stripe.CompleteCheckoutSession(sessionId);
            var payload = app.Stripe.CheckoutEvent("checkout.session.completed", sessionId);
            var statuses = await AllAtOnceAsync(answers,
                () => app.PostWebhookAsync(payload),
                () => booking.ProviderApi(app).PostJson($"{Api}/invoices/{booking.InvoiceId}/void", new { }));
            if (statuses[0] != HttpStatusCode.OK)
            {
                // Stripe redelivers a failed event: what matters is that the redelivery settles it
                Assert.Equal(HttpStatusCode.OK, (await app.PostWebhookAsync(payload)).StatusCode);
            }

            // whichever came first, the booking is either paid (void refused) or cancelled (payment flagged for refund)
            using var db = app.Db();
            var t = await db.Transactions.FirstAsync(x => x.Id == booking.TransactionId);
            var i = await db.Invoices.FirstAsync(x => x.Id == booking.InvoiceId);
            Assert.Contains((t.Status, i.Status), new[] { ("paid", "paid"), ("cancelled", "void") });
            if (statuses[1] != HttpStatusCode.InternalServerError)
            {
                Assert.Equal(t.Status == "paid" ? HttpStatusCode.Conflict : HttpStatusCode.OK, statuses[1]);
            }
        }
        AssertNo5xx(answers);
    }

    [Fact]
    public async Task Bookings_racing_pause_and_publish_never_answer_500_and_keep_the_counters_exact()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "fixed", 4000);
        var client = await app.CreateAsync();
        var clientApi = app.Client(client.AccessToken);
        var providerApi = app.Client(provider.Owner.AccessToken);
        var answers = new List<HttpStatusCode>();
        var booked = 0;
        for (var round = 0; round < 100; round++)
        {
            // active: one books while the provider pauses; paused: one books while the provider publishes
            using (var read = app.Db())
            {
                var move = (await read.Listings.FirstAsync(l => l.Id == listingId)).Status == "active" ? "pause" : "publish";
                var statuses = await AllAtOnceAsync(answers,
                    () => clientApi.PostJson($"{Api}/transactions", new { listingId }),
                    () => providerApi.PostJson($"{Api}/listings/{listingId}/{move}", new { }));
                booked += statuses[0] == HttpStatusCode.Created ? 1 : 0;
                Assert.Contains(statuses[0], new[] { HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.InternalServerError });
                Assert.Contains(statuses[1], new[] { HttpStatusCode.OK, HttpStatusCode.InternalServerError });
            }
        }
        AssertNo5xx(answers);

        using var db = app.Db();
        var p = await db.Providers.FirstAsync(x => x.Id == provider.Id);
        var l = await db.Listings.FirstAsync(x => x.Id == listingId);
        Assert.Equal((booked, booked, 1, l.Status == "active" ? 1 : 0), (p.TotalTransactions, l.BookingCount, p.TotalListings, p.ActiveListings));
        Assert.Equal(booked, await db.Transactions.CountAsync(t => t.ListingId == listingId));
    }

    [Fact]
    public async Task Concurrent_invoices_of_one_request_answer_one_200_and_409s_never_500()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "contact", null);
        var client = await app.CreateAsync();
        var providerApi = app.Client(provider.Owner.AccessToken);
        var answers = new List<HttpStatusCode>();
        for (var round = 0; round < 20; round++)
        {
            var id = (await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created))
                .GetProperty("id").GetInt64();
            var statuses = await AllAtOnceAsync(answers, Enumerable.Range(0, 3).Select(n => (Func<Task<HttpResponseMessage>>)(() =>
                providerApi.PostJson($"{Api}/transactions/{id}/invoice", new { servicePriceCents = 10_000 + n }))).ToArray());
            Assert.Single(statuses, s => s == HttpStatusCode.OK);

            using var db = app.Db();
            Assert.Equal(1, await db.Invoices.CountAsync(i => i.TransactionId == id));
        }
        AssertNo5xx(answers);
        Assert.All(answers, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
    }

    /// <summary>Starts every request together (released by one signal); returns their statuses in order and adds them to <paramref name="all"/>.</summary>
    private async Task<HttpStatusCode[]> AllAtOnceAsync(List<HttpStatusCode> all, params Func<Task<HttpResponseMessage>>[] requests)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = requests.Select(async send =>
        {
            await go.Task;
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500)
            {
                output.WriteLine($"{(int)response.StatusCode}: {body}");
            }
            else if (response.StatusCode == HttpStatusCode.Conflict)
            {
                Assert.Contains("\"code\"", body, StringComparison.Ordinal);
            }
            return response.StatusCode;
        }).ToArray();
        go.SetResult();
        var statuses = await Task.WhenAll(calls);
        all.AddRange(statuses);
        return statuses;
    }

    private string Report(List<HttpStatusCode> answers)
    {
        var text = string.Join(", ", answers.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));
        output.WriteLine(text);
        return text;
    }

    private void AssertNo5xx(List<HttpStatusCode> answers)
    {
        var text = Report(answers);
        Assert.True(answers.All(s => (int)s < 500), $"no 5xx expected: {text}");
    }
}
