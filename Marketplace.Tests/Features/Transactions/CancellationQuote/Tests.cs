using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.CancellationQuote;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    private async Task<(TestBooking Booking, CompletedPaymentShape Payment)> PaidBookingAsync(string listingPolicy, DateTime start, long priceCents = 5000)
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "fixed", priceCents);
        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/listings/{listingId}", new { cancellationPolicy = listingPolicy })).AssertJson(HttpStatusCode.OK);
        var client = await app.CreateAsync();
        var json = await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions", new { listingId, requestedStartAt = start }))
            .AssertJson(HttpStatusCode.Created);
        var booking = new TestBooking(client, provider, listingId, json.GetProperty("id").GetInt64(), json.GetProperty("invoice").GetProperty("id").GetInt32(),
            json.GetProperty("totalCents").GetInt64());
        var payment = await app.PayAsync(booking);
        return (booking, new CompletedPaymentShape(payment.ChargeId));
    }

    private sealed record CompletedPaymentShape(string ChargeId);

    [Fact]
    public async Task The_quote_shows_the_refund_and_the_cancellation_refunds_exactly_it()
    {
        var (booking, payment) = await PaidBookingAsync("moderate", DateTime.UtcNow.AddDays(3));
        var url = $"{Api}/transactions/{booking.TransactionId}";

        var quote = await (await booking.ClientApi(app).GetAsync($"{url}/cancellation-quote")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("moderate", 50, 2500L, 250L, "usd"), (quote.GetProperty("policy").GetString(), quote.GetProperty("refundPercent").GetInt32(),
            quote.GetProperty("refundCents").GetInt64(), quote.GetProperty("platformFeeRefundCents").GetInt64(), quote.GetProperty("currency").GetString()));
        Assert.Equal(0, quote.GetProperty("nextStepPercent").GetInt32());

        var cancelled = await (await booking.ClientApi(app).PostJson($"{url}/cancel", new { })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("cancelled", 2500L), (cancelled.GetProperty("status").GetString(), cancelled.GetProperty("refundAmountCents").GetInt64()));
        var refund = Assert.Single(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
        Assert.Equal(("2500", "true", "true"), (refund.Form["amount"], refund.Form["reverse_transfer"], refund.Form["refund_application_fee"]));

        using var db = app.Db();
        var row = await db.Transactions.FirstAsync(t => t.Id == booking.TransactionId);
        Assert.Equal(("moderate", 250L), (row.CancellationPolicy, row.PlatformFeeRefundedCents));
    }

    [Fact]
    public async Task Past_the_last_step_the_client_gets_nothing_back_and_nothing_is_refunded()
    {
        var (booking, payment) = await PaidBookingAsync("strict", DateTime.UtcNow.AddDays(2));
        var quote = await (await booking.ClientApi(app).GetAsync($"{Api}/transactions/{booking.TransactionId}/cancellation-quote")).AssertJson(HttpStatusCode.OK);
        Assert.Equal((0, 0L), (quote.GetProperty("refundPercent").GetInt32(), quote.GetProperty("refundCents").GetInt64()));
        await (await booking.ClientApi(app).PostJson($"{Api}/transactions/{booking.TransactionId}/cancel", new { })).AssertJson(HttpStatusCode.OK);
        Assert.DoesNotContain(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
    }

    [Fact]
    public async Task A_providers_cancellation_always_refunds_everything()
    {
        var (booking, payment) = await PaidBookingAsync("strict", DateTime.UtcNow.AddDays(2));
        var quote = await (await booking.ProviderApi(app).GetAsync($"{Api}/transactions/{booking.TransactionId}/cancellation-quote")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("full", 100, 5000L), (quote.GetProperty("policy").GetString(), quote.GetProperty("refundPercent").GetInt32(), quote.GetProperty("refundCents").GetInt64()));
        await (await booking.ProviderApi(app).PostJson($"{Api}/transactions/{booking.TransactionId}/cancel", new { })).AssertJson(HttpStatusCode.OK);
        var refund = Assert.Single(app.Stripe.RequestsTo("/v1/refunds"), r => r.Form.GetValueOrDefault("charge") == payment.ChargeId);
        Assert.Equal("5000", refund.Form["amount"]);
    }

    [Fact]
    public async Task The_providers_policy_applies_unless_the_listing_overrides_it()
    {
        var provider = await app.CreateProviderAsync();
        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/providers/me", new { cancellationPolicy = "strict" })).AssertJson(HttpStatusCode.OK);
        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/providers/me", new { cancellationPolicy = "lenient" })).AssertValidationError("cancellationPolicy");
        var listingId = await app.CreateListingAsync(provider);
        var client = app.Client((await app.CreateAsync()).AccessToken);
        var id = (await (await client.PostJson($"{Api}/transactions", new { listingId, requestedStartAt = DateTime.UtcNow.AddDays(20) })).AssertJson(HttpStatusCode.Created))
            .GetProperty("id").GetInt64();
        var quote = await (await client.GetAsync($"{Api}/transactions/{id}/cancellation-quote")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("strict", 100, 0L), (quote.GetProperty("policy").GetString(), quote.GetProperty("refundPercent").GetInt32(), quote.GetProperty("refundCents").GetInt64()));

        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/listings/{listingId}", new { cancellationPolicy = "flexible" })).AssertJson(HttpStatusCode.OK);
        quote = await (await client.GetAsync($"{Api}/transactions/{id}/cancellation-quote")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("flexible", quote.GetProperty("policy").GetString());
        await (await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/listings/{listingId}", new { cancellationPolicy = "none" })).AssertValidationError("cancellationPolicy");
    }

    [Fact]
    public async Task A_booking_without_a_start_keeps_the_full_refund_and_strangers_get_404()
    {
        var booking = await app.BookAsync();
        var url = $"{Api}/transactions/{booking.TransactionId}/cancellation-quote";
        var quote = await (await booking.ClientApi(app).GetAsync(url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("full", 100), (quote.GetProperty("policy").GetString(), quote.GetProperty("refundPercent").GetInt32()));
        await (await app.Client((await app.CreateAsync()).AccessToken).GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(url)).StatusCode);
        await (await booking.ClientApi(app).PostJson($"{Api}/transactions/{booking.TransactionId}/cancel", new { })).AssertJson(HttpStatusCode.OK);
        await (await booking.ClientApi(app).GetAsync(url)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }
}
