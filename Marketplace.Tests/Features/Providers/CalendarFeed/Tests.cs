using System.Net;
using System.Net.Http.Json;
using Ical.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.CalendarFeed;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    [Fact]
    public async Task The_feed_lists_paid_bookings_as_confirmed_and_requests_as_tentative_and_parses_as_iCalendar()
    {
        var provider = await app.CreateProviderAsync(businessName: "Paws, Claws; & Co");
        var owner = app.Client(provider.Owner.AccessToken);
        var instant = await app.CreateListingAsync(provider, title: "Full groom");
        var onRequest = await app.CreateListingAsync(provider, title: "Puppy training");
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == onRequest).Set(l => l.InstantBooking, false).UpdateAsync();
        }
        var client = app.Client((await app.CreateAsync()).AccessToken);
        var start = DateTime.UtcNow.Date.AddDays(3).AddHours(15);
        var paidId = (await (await client.PostJson($"{Api}/transactions", new { listingId = instant, requestedStartAt = start, requestedEndAt = start.AddHours(1) }))
            .AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var requestedId = (await (await client.PostJson($"{Api}/transactions", new { listingId = onRequest, requestedStartAt = start.AddDays(1), requestedEndAt = start.AddDays(1).AddHours(2) }))
            .AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var unpaidId = (await (await client.PostJson($"{Api}/transactions", new { listingId = instant, requestedStartAt = start.AddDays(2) }))
            .AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        using (var db = app.Db())
        {
            // paid as the webhook leaves it (the payment path has its own tests)
            await db.Transactions.Where(t => t.Id == paidId).Set(t => t.Status, "paid").UpdateAsync();
        }

        var token = await (await owner.PostAsync($"{Api}/providers/me/calendar-token", null)).AssertJson(HttpStatusCode.Created);
        var url = token.GetProperty("url").GetString()!;
        Assert.EndsWith($"/providers/me/calendar.ics?token={token.GetProperty("token").GetString()}", url, StringComparison.Ordinal);

        var response = await app.Client().GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.All(text.Split("\r\n").Where(l => l.Length > 0), l => Assert.True(System.Text.Encoding.UTF8.GetByteCount(l) <= 75, l));

        var calendar = Calendar.Load(text)!;
        var events = calendar.Events.ToDictionary(e => e.Uid!);
        Assert.Equal(2, events.Count);
        var paid = events[$"transaction-{paidId}@marketplace"];
        Assert.Equal(("CONFIRMED", start, start.AddHours(1)), (paid.Status, paid.DtStart!.AsUtc, paid.DtEnd!.AsUtc));
        Assert.StartsWith("Full groom", paid.Summary, StringComparison.Ordinal);
        var requested = events[$"transaction-{requestedId}@marketplace"];
        Assert.Equal(("TENTATIVE", start.AddDays(1)), (requested.Status, requested.DtStart!.AsUtc));
        Assert.DoesNotContain($"transaction-{unpaidId}@marketplace", events.Keys);
    }

    [Fact]
    public async Task Rotating_the_token_stops_the_old_one_at_once_and_only_its_hash_is_stored()
    {
        var provider = await app.CreateProviderAsync();
        var owner = app.Client(provider.Owner.AccessToken);
        var first = (await (await owner.PostAsync($"{Api}/providers/me/calendar-token", null)).AssertJson(HttpStatusCode.Created)).GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await app.Client().GetAsync($"{Api}/providers/me/calendar.ics?token={first}")).StatusCode);

        var second = (await (await owner.PostAsync($"{Api}/providers/me/calendar-token", null)).AssertJson(HttpStatusCode.Created)).GetProperty("token").GetString()!;
        await (await app.Client().GetAsync($"{Api}/providers/me/calendar.ics?token={first}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await app.Client().GetAsync($"{Api}/providers/me/calendar.ics?token={second}")).StatusCode);
        await (await app.Client().GetAsync($"{Api}/providers/me/calendar.ics")).AssertValidationError("token");

        using var db = app.Db();
        var stored = await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.CalendarTokenHash).FirstAsync();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(second)), stored);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().PostAsync($"{Api}/providers/me/calendar-token", null)).StatusCode);
        await (await app.Client((await app.CreateAsync()).AccessToken).PostAsync($"{Api}/providers/me/calendar-token", null)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}
