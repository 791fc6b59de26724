using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Availability;

public sealed class ExceptionTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    private async Task<(TestProvider Provider, int ListingId, string Slug, HttpClient Owner)> PlannedAsync()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var owner = app.Client(provider.Owner.AccessToken);
        // weekdays 09:00-12:00 Chicago, one-hour slots
        await (await owner.PutAsJsonAsync($"{Api}/listings/{listingId}/availability", new
        {
            weekly = new[] { "mon", "tue", "wed", "thu", "fri" }.Select(d => new { day = d, start = "09:00", end = "12:00" }),
            slotMinutes = 60,
        })).AssertJson(HttpStatusCode.OK);
        using var db = app.Db();
        return (provider, listingId, await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).FirstAsync(), owner);
    }

    private async Task<List<DateTime>> SlotStartsAsync(string slug, DateTime from, DateTime to) =>
        (await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start={from:O}&end={to:O}")).AssertJson(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("start").GetDateTime().ToUniversalTime()).ToList();

    /// <summary>The next Monday at least a week ahead, 00:00 UTC.</summary>
    private static DateTime NextMonday()
    {
        var d = DateTime.UtcNow.Date.AddDays(7);
        while (d.DayOfWeek != DayOfWeek.Monday)
        {
            d = d.AddDays(1);
        }
        return DateTime.SpecifyKind(d, DateTimeKind.Utc);
    }

    [Fact]
    public async Task A_closed_day_removes_its_slots_an_open_period_adds_some_and_removing_them_restores_the_plan()
    {
        var (_, listingId, slug, owner) = await PlannedAsync();
        var monday = NextMonday();
        var url = $"{Api}/listings/{listingId}/availability/exceptions";
        Assert.Equal(3, (await SlotStartsAsync(slug, monday, monday.AddDays(1))).Count);

        var holiday = await (await owner.PostJson(url, new { start = monday, end = monday.AddDays(1), seats = 0 })).AssertJson(HttpStatusCode.Created);
        Assert.Empty(await SlotStartsAsync(slug, monday, monday.AddDays(1)));

        var saturday = monday.AddDays(5).AddHours(16);
        var open = await (await owner.PostJson(url, new { start = saturday, end = saturday.AddHours(2), seats = 2 })).AssertJson(HttpStatusCode.Created);
        var weekend = await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start={saturday:O}&end={saturday.AddDays(1):O}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal([(saturday, 2), (saturday.AddHours(1), 2)], weekend.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("start").GetDateTime().ToUniversalTime(), i.GetProperty("seatsLeft").GetInt32())).ToArray());

        var page = await (await owner.GetAsync($"{url}?limit=1")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(holiday.GetProperty("id").GetInt64(), page.GetProperty("items")[0].GetProperty("id").GetInt64());
        var next = await (await owner.GetAsync($"{url}?limit=1&cursor={Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!)}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(open.GetProperty("id").GetInt64(), next.GetProperty("items")[0].GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("nextCursor").ValueKind);
        var ranged = await (await owner.GetAsync($"{url}?start={monday.AddDays(2):O}&end={monday.AddDays(7):O}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(1, ranged.GetProperty("items").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"{url}/{holiday.GetProperty("id").GetInt64()}")).StatusCode);
        Assert.Equal(3, (await SlotStartsAsync(slug, monday, monday.AddDays(1))).Count);
        await (await owner.DeleteAsync($"{url}/{holiday.GetProperty("id").GetInt64()}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_closed_period_refuses_bookings_in_it()
    {
        var (_, listingId, slug, owner) = await PlannedAsync();
        var monday = NextMonday();
        var first = (await SlotStartsAsync(slug, monday, monday.AddDays(1)))[0];
        await (await owner.PostJson($"{Api}/listings/{listingId}/availability/exceptions", new { start = first, end = first.AddHours(1), seats = 0 })).AssertJson(HttpStatusCode.Created);
        await (await app.Client((await app.CreateAsync()).AccessToken).PostJson($"{Api}/transactions", new { listingId, requestedStartAt = first, requestedEndAt = first.AddHours(1) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");
    }

    [Fact]
    public async Task Exceptions_are_validated_need_a_plan_and_belong_to_the_owner()
    {
        var (_, listingId, _, owner) = await PlannedAsync();
        var url = $"{Api}/listings/{listingId}/availability/exceptions";
        var start = NextMonday();
        await (await owner.PostJson(url, new { start, end = start.AddHours(-1), seats = 0 })).AssertValidationError("end");
        await (await owner.PostJson(url, new { start, end = start.AddDays(400), seats = 0 })).AssertValidationError("end");
        await (await owner.PostJson(url, new { start, end = start.AddHours(1) })).AssertValidationError("seats");
        await (await owner.PostJson(url, new { start, end = start.AddHours(1), seats = -1 })).AssertValidationError("seats");

        var other = await app.CreateProviderAsync();
        var asOther = app.Client(other.Owner.AccessToken);
        await (await asOther.PostJson(url, new { start, end = start.AddHours(1), seats = 0 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await asOther.GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(url)).StatusCode);

        var unplanned = await app.CreateListingAsync(other);
        await (await asOther.PostJson($"{Api}/listings/{unplanned}/availability/exceptions", new { start, end = start.AddHours(1), seats = 0 }))
            .AssertProblem(HttpStatusCode.Conflict, "no_availability_plan");
    }
}
