using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Availability;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    private static object AllWeek(int seats = 1, int slotMinutes = 60, int bufferMinutes = 0, int minNoticeHours = 0) => new
    {
        weekly = new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }.Select(d => new { day = d, start = "00:00", end = "24:00" }),
        slotMinutes, bufferMinutes, seats, minNoticeHours, maxAdvanceDays = 90,
    };

    /// <summary>A whole UTC hour a few days ahead: a slot of an all-week hourly plan in any whole-hour time zone.</summary>
    private static DateTime SlotStart(int daysAhead = 3, int hour = 15) => DateTime.UtcNow.Date.AddDays(daysAhead).AddHours(hour);

    private async Task<(TestProvider Provider, int ListingId, string Slug)> PlannedListingAsync(object plan, string priceType = "fixed")
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", priceType, 5000);
        await (await app.Client(provider.Owner.AccessToken).PutAsJsonAsync($"{Api}/listings/{listingId}/availability", plan)).AssertJson(HttpStatusCode.OK);
        using var db = app.Db();
        return (provider, listingId, await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).FirstAsync());
    }

    private async Task<JsonElement> TimeslotsAsync(string slug, DateTime start, DateTime end, HttpClient? client = null) =>
        await (await (client ?? app.Client()).GetAsync($"{Api}/listings/{slug}/timeslots?start={start:yyyy-MM-ddTHH:mm:ssZ}&end={end:yyyy-MM-ddTHH:mm:ssZ}"))
            .AssertJson(HttpStatusCode.OK);

    [Fact]
    public async Task The_owner_sets_reads_and_removes_a_plan_and_each_change_is_audited_with_its_event()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var owner = app.Client(provider.Owner.AccessToken);
        var url = $"{Api}/listings/{listingId}/availability";

        var plan = new { weekly = new[] { new { day = "mon", start = "09:00", end = "17:00" } }, slotMinutes = 45, bufferMinutes = 15, seats = 2, minNoticeHours = 12, maxAdvanceDays = 30 };
        var put = await (await owner.PutAsJsonAsync(url, plan)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(("America/Chicago", 45, 15, 2, 12, 30), (put.GetProperty("timeZone").GetString(), put.GetProperty("slotMinutes").GetInt32(),
            put.GetProperty("bufferMinutes").GetInt32(), put.GetProperty("seats").GetInt32(), put.GetProperty("minNoticeHours").GetInt32(), put.GetProperty("maxAdvanceDays").GetInt32()));

        var get = await (await owner.GetAsync(url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal("09:00", get.GetProperty("weekly")[0].GetProperty("start").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync(url)).StatusCode);
        await (await owner.GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await owner.DeleteAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");

        using var db = app.Db();
        var actions = await db.AuditLog.Where(a => a.EntityType == "listing" && a.EntityId == listingId).Select(a => a.Action).ToListAsync();
        Assert.Equal(["availability_removed", "availability_set"], actions.Where(a => a.StartsWith("availability", StringComparison.Ordinal)).Order().ToArray());
        var events = await db.QueryToListAsync<string>($"SELECT type FROM marketplace.domain_events WHERE resource_type = 'listing' AND resource_id = '{listingId}'");
        Assert.Equal(2, events.Count(e => e == "listing.availability_changed"));
    }

    [Theory]
    [InlineData("weekly", "{\"weekly\":[{\"day\":\"monday\",\"start\":\"09:00\",\"end\":\"17:00\"}],\"slotMinutes\":60}")]
    [InlineData("weekly", "{\"weekly\":[{\"day\":\"mon\",\"start\":\"17:00\",\"end\":\"09:00\"}],\"slotMinutes\":60}")]
    [InlineData("weekly", "{\"weekly\":[{\"day\":\"mon\",\"start\":\"9:00\",\"end\":\"17:00\"}],\"slotMinutes\":60}")]
    [InlineData("weekly", "{\"weekly\":[{\"day\":\"mon\",\"start\":\"09:00\",\"end\":\"12:00\"},{\"day\":\"mon\",\"start\":\"11:00\",\"end\":\"13:00\"}],\"slotMinutes\":60}")]
    [InlineData("weekly", "{\"slotMinutes\":60}")]
    [InlineData("slotMinutes", "{\"weekly\":[]}")]
    [InlineData("slotMinutes", "{\"weekly\":[],\"slotMinutes\":2}")]
    [InlineData("seats", "{\"weekly\":[],\"slotMinutes\":60,\"seats\":0}")]
    [InlineData("bufferMinutes", "{\"weekly\":[],\"slotMinutes\":60,\"bufferMinutes\":-1}")]
    [InlineData("maxAdvanceDays", "{\"weekly\":[],\"slotMinutes\":60,\"maxAdvanceDays\":0}")]
    public async Task A_malformed_plan_is_rejected_naming_the_field(string field, string body)
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var response = await app.Client(provider.Owner.AccessToken).PutAsync($"{Api}/listings/{listingId}/availability",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task Only_the_owner_may_touch_the_plan()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var url = $"{Api}/listings/{listingId}/availability";
        var other = await app.CreateProviderAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().PutAsJsonAsync(url, AllWeek())).StatusCode);
        await (await app.Client((await app.CreateAsync()).AccessToken).PutAsJsonAsync(url, AllWeek())).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
        await (await app.Client(other.Owner.AccessToken).PutAsJsonAsync(url, AllWeek())).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(other.Owner.AccessToken).GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(other.Owner.AccessToken).DeleteAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Timeslots_list_the_free_slots_in_UTC_with_the_listings_time_zone()
    {
        var (_, _, slug) = await PlannedListingAsync(AllWeek(seats: 2));
        var start = SlotStart();
        var json = await TimeslotsAsync(slug, start, start.AddHours(3));
        Assert.Equal(("America/Chicago", true), (json.GetProperty("timeZone").GetString(), json.GetProperty("scheduled").GetBoolean()));
        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.Equal(start, items[0].GetProperty("start").GetDateTime().ToUniversalTime());
        Assert.Equal(start.AddHours(1), items[0].GetProperty("end").GetDateTime().ToUniversalTime());
        Assert.All(items, i => Assert.Equal(2, i.GetProperty("seatsLeft").GetInt32()));
    }

    [Fact]
    public async Task Timeslots_need_a_valid_range_of_at_most_90_days_and_an_active_listing()
    {
        var (provider, listingId, slug) = await PlannedListingAsync(AllWeek());
        var start = SlotStart();
        await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start={start:O}&end={start.AddDays(91):O}")).AssertValidationError("end");
        await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start={start:O}&end={start.AddHours(-1):O}")).AssertValidationError("end");
        await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start=tomorrow&end={start:O}")).AssertValidationError("start");
        await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?end={start:O}")).AssertValidationError("start");
        await (await app.Client().GetAsync($"{Api}/listings/no-such-listing/timeslots?start={start:O}&end={start.AddHours(1):O}")).AssertProblem(HttpStatusCode.NotFound, "not_found");

        await (await app.Client(provider.Owner.AccessToken).PostAsync($"{Api}/listings/{listingId}/pause", null)).AssertJson(HttpStatusCode.OK);
        await (await app.Client().GetAsync($"{Api}/listings/{slug}/timeslots?start={start:O}&end={start.AddHours(1):O}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await TimeslotsAsync(slug, start, start.AddHours(1), app.Client(provider.Owner.AccessToken));
    }

    [Fact]
    public async Task A_listing_without_a_plan_has_no_timeslots_and_is_booked_without_a_time()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        using var db = app.Db();
        var slug = await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).FirstAsync();
        var json = await TimeslotsAsync(slug, SlotStart(), SlotStart().AddDays(1));
        Assert.False(json.GetProperty("scheduled").GetBoolean());
        Assert.Equal(0, json.GetProperty("items").GetArrayLength());
        await (await app.Client((await app.CreateAsync()).AccessToken).PostJson($"{Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Booking_a_planned_listing_needs_a_free_slot_and_a_cancellation_releases_it()
    {
        var (_, listingId, slug) = await PlannedListingAsync(AllWeek(minNoticeHours: 2));
        var client = app.Client((await app.CreateAsync()).AccessToken);
        var start = SlotStart();
        var url = $"{Api}/transactions";

        await (await client.PostJson(url, new { listingId })).AssertValidationError("requestedStartAt");
        await (await client.PostJson(url, new { listingId, requestedStartAt = start, requestedEndAt = start.AddMinutes(-30) })).AssertValidationError("requestedEndAt");
        await (await client.PostJson(url, new { listingId, requestedStartAt = start.AddMinutes(30), requestedEndAt = start.AddMinutes(90) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");
        await (await client.PostJson(url, new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(2) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");
        var tooSoon = DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour + 1);
        await (await client.PostJson(url, new { listingId, requestedStartAt = tooSoon, requestedEndAt = tooSoon.AddHours(1) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");

        var booked = await (await client.PostJson(url, new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) })).AssertJson(HttpStatusCode.Created);
        Assert.Equal("invoiced", booked.GetProperty("status").GetString());
        var second = app.Client((await app.CreateAsync()).AccessToken);
        await (await second.PostJson(url, new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) }))
            .AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");
        Assert.DoesNotContain((await TimeslotsAsync(slug, start, start.AddHours(2))).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("start").GetDateTime().ToUniversalTime() == start);

        await (await client.PostJson($"{url}/{booked.GetProperty("id").GetInt64()}/cancel", new { reason = "plans changed" })).AssertJson(HttpStatusCode.OK);
        Assert.Contains((await TimeslotsAsync(slug, start, start.AddHours(2))).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("start").GetDateTime().ToUniversalTime() == start);
        await (await second.PostJson(url, new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) })).AssertJson(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_hourly_listing_booked_by_the_slot_is_priced_by_the_slots_hours()
    {
        var (_, listingId, _) = await PlannedListingAsync(AllWeek(slotMinutes: 120), priceType: "hourly");
        var start = SlotStart(hour: 14);
        var json = await (await app.Client((await app.CreateAsync()).AccessToken).PostJson($"{Api}/transactions",
            new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(2) })).AssertJson(HttpStatusCode.Created);
        Assert.Equal((2, 10000L), (json.GetProperty("quantity").GetInt32(), json.GetProperty("servicePriceCents").GetInt64()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Of_50_concurrent_bookings_of_one_slot_exactly_its_seats_succeed(int seats)
    {
        var (_, listingId, slug) = await PlannedListingAsync(AllWeek(seats: seats));
        var start = SlotStart(daysAhead: 4);
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.CreateAsync()));

        var responses = await Task.WhenAll(clients.Select(c => app.Client(c.AccessToken)
            .PostJson($"{Api}/transactions", new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) })));

        await AssertExactlyAsync(responses, seats, listingId, start);
        Assert.DoesNotContain((await TimeslotsAsync(slug, start, start.AddHours(1))).GetProperty("items").EnumerateArray(), _ => true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Of_50_concurrent_bookings_through_two_API_instances_exactly_the_seats_succeed(int seats)
    {
        var (_, listingId, _) = await PlannedListingAsync(AllWeek(seats: seats));
        var start = SlotStart(daysAhead: 5);
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.CreateAsync()));
        using var second = app.Isolated();

        var responses = await Task.WhenAll(clients.Select((c, i) =>
        {
            var http = i % 2 == 0 ? app.Client(c.AccessToken) : second.CreateClient();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", c.AccessToken);
            return http.PostJson($"{Api}/transactions", new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) });
        }));

        await AssertExactlyAsync(responses, seats, listingId, start);
    }

    private async Task AssertExactlyAsync(HttpResponseMessage[] responses, int seats, int listingId, DateTime start)
    {
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.True(statuses.Count(s => s == HttpStatusCode.Created) == seats, string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key}: {g.Count()}")));
        foreach (var lost in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await lost.AssertProblem(HttpStatusCode.Conflict, "slot_unavailable");
        }
        using var db = app.Db();
        Assert.Equal(seats, await db.Transactions.CountAsync(t => t.ListingId == listingId && t.RequestedStartAt == start));
    }
}
