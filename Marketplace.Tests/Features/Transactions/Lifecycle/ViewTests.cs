using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Lifecycle;

/// <summary>What the booking lifecycle shows in the transaction view and the transaction list.</summary>
public sealed class ViewTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    [Fact]
    public async Task A_request_shows_its_deadline_a_decline_its_reason_and_time_and_the_list_filters_by_the_new_statuses()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "fixed", 5000);
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == listingId).Set(l => l.InstantBooking, false).UpdateAsync();
        }
        var client = await app.CreateAsync();
        var asClient = app.Client(client.AccessToken);
        var before = DateTime.UtcNow;
        var booked = await (await asClient.PostJson($"{Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created);
        var id = booked.GetProperty("id").GetInt64();
        Assert.Equal("requested", booked.GetProperty("status").GetString());
        var holdUntil = booked.GetProperty("holdUntil").GetDateTime().ToUniversalTime();
        Assert.InRange(holdUntil, before.AddHours(72).AddMinutes(-1), DateTime.UtcNow.AddHours(72).AddMinutes(1));
        Assert.Equal(JsonValueKind.Null, booked.GetProperty("declineReason").ValueKind);
        Assert.Equal(JsonValueKind.Null, booked.GetProperty("expiredAt").ValueKind);

        var requested = await (await asClient.GetAsync($"{Api}/transactions?status=requested")).AssertJson(HttpStatusCode.OK);
        Assert.Contains(id, requested.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));

        var declined = await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/transactions/{id}/decline", new { reason = "On holiday" }))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal(("declined", "On holiday"), (declined.GetProperty("status").GetString(), declined.GetProperty("declineReason").GetString()));
        Assert.InRange(declined.GetProperty("declinedAt").GetDateTime().ToUniversalTime(), before.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));

        var fetched = await (await asClient.GetAsync($"{Api}/transactions/{id}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("On holiday", fetched.GetProperty("declineReason").GetString());
        var list = await (await asClient.GetAsync($"{Api}/transactions?status=declined")).AssertJson(HttpStatusCode.OK);
        Assert.Equal([id], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray());
        await (await asClient.GetAsync($"{Api}/transactions?status=expired")).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_cancelled_booking_shows_the_policy_that_was_applied()
    {
        var booking = await app.BookAsync();
        var cancelled = await (await app.Client(booking.Client.AccessToken).PostJson($"{Api}/transactions/{booking.TransactionId}/cancel", new { reason = "changed plans" }))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        using var db = app.Db();
        var stored = await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.CancellationPolicy).FirstAsync();
        Assert.NotNull(stored);
        Assert.Equal(stored, cancelled.GetProperty("cancellationPolicy").GetString());
    }
}
