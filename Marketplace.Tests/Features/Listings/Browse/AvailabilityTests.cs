using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Listings.Availability;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// GET /listings?availableFrom=&amp;availableTo= against real plans, exceptions and bookings. Each
/// test lists within a city of its own, so listings of parallel tests never show up.
/// </summary>
public sealed class AvailabilityTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    private static string UniqueCity() => $"City {Guid.NewGuid():N}"[..30];

    private static object Plan(IEnumerable<object> weekly, int seats = 1, int minNoticeHours = 0, int maxAdvanceDays = 90) =>
        new { weekly, slotMinutes = 60, bufferMinutes = 0, seats, minNoticeHours, maxAdvanceDays };

    private static object AllWeek(int seats = 1, int minNoticeHours = 0, int maxAdvanceDays = 90) =>
        Plan(new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }.Select(d => (object)new { day = d, start = "00:00", end = "24:00" }),
            seats, minNoticeHours, maxAdvanceDays);

    /// <summary>A whole UTC hour some days ahead (a slot of an all-week hourly plan in the providers' whole-hour zone).</summary>
    private static DateTime Hour(int daysAhead, int hour = 15) => DateTime.UtcNow.Date.AddDays(daysAhead).AddHours(hour);

    private async Task<int> ListingAsync(TestProvider provider, string city, object? plan, string category = "grooming", bool instantBooking = true)
    {
        var id = await app.CreateListingAsync(provider, "active", "fixed", 5000, category);
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == id).Set(l => l.City, city).Set(l => l.InstantBooking, instantBooking).UpdateAsync();
        }
        if (plan is not null)
        {
            await (await app.Client(provider.Owner.AccessToken).PutAsJsonAsync($"{Api}/listings/{id}/availability", plan)).AssertJson(HttpStatusCode.OK);
        }
        return id;
    }

    private static string Range(DateTime from, DateTime to) => $"availableFrom={from:yyyy-MM-ddTHH:mm:ssZ}&availableTo={to:yyyy-MM-ddTHH:mm:ssZ}";

    private async Task<List<int>> IdsAsync(string query)
    {
        var page = await (await app.Client().GetAsync($"{Api}/listings?{query}")).AssertJson(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32())];
    }

    private async Task<long> BookAsync(int listingId, DateTime start, TestUser? client = null)
    {
        client ??= await app.CreateAsync();
        var booked = await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions",
            new { listingId, requestedStartAt = start, requestedEndAt = start.AddHours(1) })).AssertJson(HttpStatusCode.Created);
        return booked.GetProperty("id").GetInt64();
    }

    /// <summary>
    /// The listing's rows from tomorrow on (today's lose their past hours as the clock moves) as
    /// stored, and as a from-scratch recomputation makes them (rolled back).
    /// </summary>
    private async Task<(string Stored, string Recomputed)> RowsAsync(int listingId)
    {
        using var db = app.Db();
        async Task<string> Read() => string.Join("; ", (await db.QueryToListAsync<string>(
            $"SELECT day_start::text || ' ' || free_seconds::text FROM marketplace.listing_free_days WHERE listing_id = {listingId} AND day_start >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day' ORDER BY day_start")));
        var stored = await Read();
        await using var tx = await db.BeginTransactionAsync();
        await FreeDays.RefreshAsync(db, listingId, DateTime.UtcNow, CancellationToken.None);
        var recomputed = await Read();
        await tx.RollbackAsync();
        return (stored, recomputed);
    }

    [Fact]
    public async Task A_fully_booked_range_leaves_the_listing_out_and_the_released_booking_brings_it_back()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var slot = Hour(3);
        // no weekly hours, one opening of one slot: the range holds exactly one bookable slot
        var listingId = await ListingAsync(provider, city, Plan([]));
        await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/listings/{listingId}/availability/exceptions",
            new { start = slot, end = slot.AddHours(1), seats = 1 })).AssertJson(HttpStatusCode.Created);
        var around = $"city={Uri.EscapeDataString(city)}&{Range(slot.AddHours(-2), slot.AddHours(2))}";

        Assert.Equal([listingId], await IdsAsync(around));
        Assert.Empty(await IdsAsync($"city={Uri.EscapeDataString(city)}&{Range(slot.AddHours(1), slot.AddHours(5))}"));
        Assert.Equal([listingId], await IdsAsync($"city={Uri.EscapeDataString(city)}&{Range(slot, slot.AddSeconds(1))}"));

        var client = await app.CreateAsync();
        var booking = await BookAsync(listingId, slot, client);
        Assert.Empty(await IdsAsync(around));

        await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions/{booking}/cancel", new { reason = "plans changed" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal([listingId], await IdsAsync(around));

        var (stored, recomputed) = await RowsAsync(listingId);
        Assert.Equal(recomputed, stored);
    }

    [Fact]
    public async Task A_declined_request_frees_the_slot_for_the_filter_at_once()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var slot = Hour(4);
        var listingId = await ListingAsync(provider, city, Plan([]), instantBooking: false);
        await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/listings/{listingId}/availability/exceptions",
            new { start = slot, end = slot.AddHours(1), seats = 1 })).AssertJson(HttpStatusCode.Created);
        var around = $"city={Uri.EscapeDataString(city)}&{Range(slot.AddDays(-1), slot.AddDays(1))}";

        var request = await BookAsync(listingId, slot);
        Assert.Empty(await IdsAsync(around));
        await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/transactions/{request}/decline", new { reason = "away" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal([listingId], await IdsAsync(around));
    }

    [Fact]
    public async Task An_exception_closing_the_day_leaves_the_listing_out_until_it_is_removed_and_removing_the_plan_makes_it_bookable_without_a_time()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var listingId = await ListingAsync(provider, city, AllWeek());
        var owner = app.Client(provider.Owner.AccessToken);
        var day = DateTime.UtcNow.Date.AddDays(5);
        var thatDay = $"city={Uri.EscapeDataString(city)}&{Range(day, day.AddDays(1))}";
        Assert.Equal([listingId], await IdsAsync(thatDay));

        var holiday = await (await owner.PostJson($"{Api}/listings/{listingId}/availability/exceptions",
            new { start = day.AddHours(-1), end = day.AddDays(1).AddHours(1), seats = 0 })).AssertJson(HttpStatusCode.Created);
        Assert.Empty(await IdsAsync(thatDay));
        // the day after the holiday is open again
        Assert.Equal([listingId], await IdsAsync($"city={Uri.EscapeDataString(city)}&{Range(day, day.AddDays(2))}"));

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"{Api}/listings/{listingId}/availability/exceptions/{holiday.GetProperty("id").GetInt64()}")).StatusCode);
        Assert.Equal([listingId], await IdsAsync(thatDay));

        await (await owner.PostJson($"{Api}/listings/{listingId}/availability/exceptions", new { start = day.AddHours(-1), end = day.AddDays(1).AddHours(1), seats = 0 }))
            .AssertJson(HttpStatusCode.Created);
        Assert.Empty(await IdsAsync(thatDay));
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"{Api}/listings/{listingId}/availability")).StatusCode);
        Assert.Equal([listingId], await IdsAsync(thatDay));
        using var db = app.Db();
        Assert.Equal([0], await db.QueryToListAsync<int>($"SELECT count(*)::int FROM marketplace.listing_free_days WHERE listing_id = {listingId}"));
    }

    [Fact]
    public async Task Listings_without_a_plan_always_pass_and_notice_and_the_advance_limit_count_at_query_time()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var unplanned = await ListingAsync(provider, city, plan: null);
        var notice = await ListingAsync(provider, city, AllWeek(minNoticeHours: 48));
        var shortAdvance = await ListingAsync(provider, city, AllWeek(maxAdvanceDays: 2));
        var now = DateTime.UtcNow;
        var c = $"city={Uri.EscapeDataString(city)}";

        Assert.Equal(new[] { unplanned, shortAdvance }.Order(), (await IdsAsync($"{c}&{Range(now.AddHours(1), now.AddHours(24))}")).Order());
        Assert.Equal(new[] { unplanned, notice }.Order(), (await IdsAsync($"{c}&{Range(now.AddDays(3), now.AddDays(4))}")).Order());
        // the notice boundary: a slot starting exactly 48 h from now can be booked, so a range ending just after it finds it
        var firstWithNotice = now.AddHours(48);
        var slotAfterNotice = new DateTime(firstWithNotice.Year, firstWithNotice.Month, firstWithNotice.Day, firstWithNotice.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
        Assert.Contains(notice, await IdsAsync($"{c}&{Range(now.AddHours(40), slotAfterNotice.AddMinutes(1))}"));
        Assert.DoesNotContain(notice, await IdsAsync($"{c}&{Range(now.AddHours(40), now.AddHours(47))}"));
        // past ranges find no slot, but unplanned listings still pass
        Assert.Equal([unplanned], await IdsAsync($"{c}&{Range(now.AddDays(-3), now.AddDays(-2))}"));
    }

    [Fact]
    public async Task The_filter_combines_with_category_sort_and_cursor_paging_and_a_cursor_keeps_its_range()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var day = DateTime.UtcNow.Date.AddDays(6);
        var free = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            free.Add(await ListingAsync(provider, city, AllWeek()));
        }
        var closed = await ListingAsync(provider, city, AllWeek());
        await (await app.Client(provider.Owner.AccessToken).PostJson($"{Api}/listings/{closed}/availability/exceptions",
            new { start = day.AddDays(-1), end = day.AddDays(2), seats = 0 })).AssertJson(HttpStatusCode.Created);
        var unplanned = await ListingAsync(provider, city, plan: null);
        var training = await ListingAsync(provider, city, AllWeek(), category: "training");

        var query = $"city={Uri.EscapeDataString(city)}&category=grooming&{Range(day, day.AddDays(1))}";
        foreach (var sort in new[] { "newest", "price_asc", "popular" })
        {
            var ids = new List<int>();
            string? cursor = null;
            do
            {
                var page = await (await app.Client().GetAsync($"{Api}/listings?{query}&sort={sort}&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")))
                    .AssertJson(HttpStatusCode.OK);
                ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
                cursor = page.GetProperty("nextCursor").GetString();
                if (cursor is not null && ids.Count == 2)
                {
                    // the cursor belongs to this range: another range is a different search
                    await (await app.Client().GetAsync($"{Api}/listings?city={Uri.EscapeDataString(city)}&category=grooming&{Range(day, day.AddDays(2))}&sort={sort}&limit=2&cursor={Uri.EscapeDataString(cursor)}"))
                        .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
                }
            }
            while (cursor is not null);
            Assert.Equal(free.Append(unplanned).Order(), ids.Order());
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }
        Assert.Equal([training], await IdsAsync($"city={Uri.EscapeDataString(city)}&category=training&{Range(day, day.AddDays(1))}"));
    }

    [Fact]
    public async Task A_new_hourly_listing_is_searchable_by_its_providers_business_hours_which_follow_a_time_zone_change()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var owner = app.Client(provider.Owner.AccessToken);
        var week = new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }.ToDictionary(d => d, _ => new[] { new { open = "09:00", close = "17:00" } });
        await (await owner.PatchAsJsonAsync($"{Api}/providers/me", new { businessHours = week, timeZone = "America/Chicago" })).AssertJson(HttpStatusCode.OK);
        var created = await (await owner.PostJson($"{Api}/listings", new { title = "Hourly grooming", category = "grooming", priceType = "hourly", priceCents = 4000, city }))
            .AssertJson(HttpStatusCode.Created);
        var listingId = created.GetProperty("id").GetInt32();
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == listingId).Set(l => l.Status, "active").Set(l => l.PublishedAt, DateTime.UtcNow).UpdateAsync();
        }
        var plan = await (await owner.GetAsync($"{Api}/listings/{listingId}/availability")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(7, plan.GetProperty("weekly").GetArrayLength());

        // 09:00-17:00 in Chicago (UTC-6 in winter) is 15:00-23:00 UTC
        var day = DateTime.UtcNow.Date.AddDays(3);
        var c = $"city={Uri.EscapeDataString(city)}";
        Assert.Empty(await IdsAsync($"{c}&{Range(day.AddHours(10), day.AddHours(14))}"));
        Assert.Equal([listingId], await IdsAsync($"{c}&{Range(day.AddHours(15), day.AddHours(16))}"));

        await (await owner.PatchAsJsonAsync($"{Api}/providers/me", new { timeZone = "UTC" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal([listingId], await IdsAsync($"{c}&{Range(day.AddHours(10), day.AddHours(14))}"));
        Assert.Empty(await IdsAsync($"{c}&{Range(day.AddHours(17), day.AddHours(23))}"));
    }

    [Theory]
    [InlineData("availableFrom=2030-01-01T00:00:00Z", "availableTo")]
    [InlineData("availableTo=2030-01-01T00:00:00Z", "availableFrom")]
    [InlineData("availableFrom=tomorrow&availableTo=2030-01-01T00:00:00Z", "availableFrom")]
    [InlineData("availableFrom={0}&availableTo={0}", "availableTo")]
    [InlineData("availableFrom={2}&availableTo={0}", "availableTo")]
    [InlineData("availableFrom={3}&availableTo={4}", "availableFrom")]
    public async Task A_malformed_availability_range_is_a_validation_error_naming_the_field(string query, string field)
    {
        var t = DateTime.UtcNow.Date.AddDays(2);
        var formatted = string.Format(System.Globalization.CultureInfo.InvariantCulture, query,
            $"{t:yyyy-MM-ddTHH:mm:ssZ}", $"{t.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}", $"{t.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}",
            $"{t:yyyy-MM-ddTHH:mm:ss}", $"{t.AddDays(1):yyyy-MM-ddTHH:mm:ss}");
        await (await app.Client().GetAsync($"{Api}/listings?{formatted}")).AssertValidationError(field);
    }

    [Fact]
    public async Task A_range_longer_than_14_days_or_reaching_past_the_search_horizon_is_refused_with_its_own_code()
    {
        var from = DateTime.UtcNow.Date.AddDays(1);
        await (await app.Client().GetAsync($"{Api}/listings?{Range(from, from.AddDays(14).AddSeconds(1))}")).AssertProblem(HttpStatusCode.BadRequest, "availability_range_too_long");
        await (await app.Client().GetAsync($"{Api}/listings?{Range(from, from.AddDays(14))}")).AssertJson(HttpStatusCode.OK);
        var far = DateTime.UtcNow.AddDays(FreeDays.HorizonDays + 1);
        await (await app.Client().GetAsync($"{Api}/listings?{Range(far.AddDays(-2), far)}")).AssertProblem(HttpStatusCode.BadRequest, "availability_range_too_far");
    }

    [Fact]
    public async Task Concurrent_bookings_and_cancellations_of_one_listing_leave_its_rows_exactly_as_a_recomputation_makes_them()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var listingId = await ListingAsync(provider, city, AllWeek());
        var day = DateTime.UtcNow.Date.AddDays(2);
        var clients = new List<TestUser>();
        var bookings = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            clients.Add(await app.CreateAsync());
            bookings.Add(await BookAsync(listingId, day.AddHours(i), clients[i]));
        }
        var others = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.CreateAsync()));

        // the same UTC day refreshed by 16 writers at once: 8 cancellations (no listing lock) and 8 bookings (listing lock)
        var cancels = bookings.Select((id, i) => app.Client(clients[i].AccessToken).PostJson($"{Api}/transactions/{id}/cancel", new { reason = "race" }));
        var books = others.Select((client, i) => app.Client(client.AccessToken).PostJson($"{Api}/transactions",
            new { listingId, requestedStartAt = day.AddHours(12 + i), requestedEndAt = day.AddHours(13 + i) }));
        var answers = await Task.WhenAll(cancels.Concat(books));
        Assert.All(answers, a => Assert.True(a.IsSuccessStatusCode, $"{(int)a.StatusCode}"));

        var (stored, recomputed) = await RowsAsync(listingId);
        Assert.Equal(recomputed, stored);
        Assert.Contains($"{{{string.Join(',', Enumerable.Range(0, 12).Select(h => h * 3600))},", stored); // the cancelled hours are free again
    }

    [Fact]
    public async Task The_roll_forward_job_recomputes_a_listing_whose_rows_fell_behind_the_horizon()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var listingId = await ListingAsync(provider, city, AllWeek());
        var day = DateTime.UtcNow.Date.AddDays(7);
        var query = $"city={Uri.EscapeDataString(city)}&{Range(day, day.AddDays(1))}";
        using var db = app.Db();
        var (before, _) = await RowsAsync(listingId);
        // as if the rows were computed days ago (or before the table existed)
        await db.ExecuteAsync($"DELETE FROM marketplace.listing_free_days WHERE listing_id = {listingId} AND day_start > now() + interval '3 days'");
        await db.ExecuteAsync($"UPDATE marketplace.listing_free_day_horizon SET covered_until = date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' WHERE listing_id = {listingId}");
        Assert.Empty(await IdsAsync(query));

        Assert.True(await app.Factory.Services.GetRequiredService<FreeDaysRollForward>().RunOnceAsync(CancellationToken.None) >= 1);
        Assert.Equal([listingId], await IdsAsync(query));
        var (after, _) = await RowsAsync(listingId);
        Assert.Equal(before, after);
        var until = (await db.QueryToListAsync<DateTime>($"SELECT covered_until FROM marketplace.listing_free_day_horizon WHERE listing_id = {listingId}"))[0];
        Assert.Equal(DateTime.UtcNow.Date.AddDays(FreeDays.HorizonDays + 1), until.ToUniversalTime());
    }
}
