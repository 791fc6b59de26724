using System.Globalization;
using Marketplace.Api.Features.Listings.Availability;
using Marketplace.Api.Features.Listings.Browse;
using Npgsql;
using NpgsqlTypes;

namespace ListingSearch;

/// <summary>
/// The availability filter's share of the data set (GET /listings?availableFrom=&amp;availableTo=):
/// availability plans for the slot-booked services and the bookings that fill them, turned into the
/// <c>listing_free_days</c> rows the API keeps (computed by the API's own <see cref="Slots.Compute"/>,
/// exactly as <see cref="FreeDays"/> does per listing, but in one pass and written with COPY).
/// <para>Who has a plan: 45 % of the grooming, training, vet, photography and "other" listings
/// (about 31 % of all listings; boarding, transport and stud service are booked by the day or on
/// request, without one). Plans come from five templates of weekly hours (New York time), slot
/// lengths of 45 to 120 minutes, buffers, 1 to 3 seats, 0 to 24 h of notice and 30 to 90 days of
/// advance. Bookings fill the next 14 days: 30 % of the planned listings are quiet (10 % of their
/// seats taken), 30 % steady (40 %), 25 % busy (80 %) and 15 % fully booked. The booking rows
/// themselves are not written: the browse query never reads them, only the free days they leave.</para>
/// </summary>
internal static class AvailabilityDataSet
{
    private static readonly string[] PlannedCategories = ["grooming", "training", "vet", "photography", "other"];

    private static readonly (WeeklyPeriod[] Weekly, int SlotMinutes, int BufferMinutes, int Seats)[] Templates =
    [
        (Days(["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00"), 60, 0, 1),
        (Days(["mon", "tue", "wed", "thu", "fri", "sat"], "08:00", "18:00"), 45, 15, 1),
        (Days(["tue", "wed", "thu", "fri", "sat", "sun"], "10:00", "16:00"), 90, 30, 2),
        ([.. Days(["mon", "tue", "wed", "thu", "fri"], "09:00", "12:00"), .. Days(["mon", "tue", "wed", "thu", "fri"], "13:00", "17:00")], 60, 0, 3),
        (Days(["sat", "sun"], "09:00", "15:00"), 120, 0, 1),
    ];

    public sealed record Counts(int Plans, int FreeDays, int HeldSeats);

    public static async Task<Counts> LoadAsync(string connectionString, int seed = 7)
    {
        var random = new Random(seed);
        var now = DateTime.UtcNow;
        var today = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc);
        var zone = ListingSlots.Zone("America/New_York");
        // a shared machine can take minutes to index a few million COPYed rows
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 1800 }.ConnectionString);
        await connection.OpenAsync();

        var listings = new List<int>();
        await using (var read = new NpgsqlCommand("SELECT id FROM marketplace.service_listings WHERE category = ANY($1) ORDER BY id", connection))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = PlannedCategories });
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                listings.Add(reader.GetInt32(0));
            }
        }

        int plans = 0, freeDays = 0, held = 0;
        var planned = listings.Where(_ => random.Next(100) < 45).ToList();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY marketplace.listing_availability (listing_id, weekly, slot_minutes, buffer_minutes, seats, min_notice_hours, max_advance_days, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in planned)
            {
                var (weekly, slot, buffer, seats) = Templates[id % Templates.Length];
                await copy.StartRowAsync();
                await copy.WriteAsync(id, NpgsqlDbType.Integer);
                await copy.WriteAsync(ListingSlots.WeeklyJson(weekly), NpgsqlDbType.Jsonb);
                await copy.WriteAsync(slot, NpgsqlDbType.Integer);
                await copy.WriteAsync(buffer, NpgsqlDbType.Integer);
                await copy.WriteAsync(seats, NpgsqlDbType.Integer);
                await copy.WriteAsync(new[] { 0, 0, 12, 24 }[id % 4], NpgsqlDbType.Integer);
                await copy.WriteAsync(new[] { 30, 60, 90 }[id % 3], NpgsqlDbType.Integer);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                plans++;
            }
            await copy.CompleteAsync();
        }

        var horizonEnd = today.AddDays(FreeDays.HorizonDays + 1);
        var bookedUntil = today.AddDays(14);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY marketplace.listing_free_days (listing_id, day_start, free_seconds) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in planned)
            {
                var (weekly, slot, buffer, seats) = Templates[id % Templates.Length];
                // the rows ignore notice and advance (the query applies them), as FreeDays computes them
                var plan = new Plan(weekly, slot, buffer, seats, 0, FreeDays.HorizonDays + 2);
                var fill = random.Next(100) switch { < 30 => 0.10, < 60 => 0.40, < 85 => 0.80, _ => 1.0 };
                var holds = new List<Hold>();
                foreach (var s in Slots.Compute(plan, zone, [], [], today, bookedUntil, now))
                {
                    for (var seat = 0; seat < s.Capacity; seat++)
                    {
                        if (random.NextDouble() < fill)
                        {
                            holds.Add(new Hold(s.Start, s.End));
                        }
                    }
                }
                held += holds.Count;
                var days = Slots.Compute(plan, zone, [], holds, today, horizonEnd, now)
                    .Where(s => s.SeatsLeft > 0)
                    .GroupBy(s => DateTime.SpecifyKind(s.Start.Date, DateTimeKind.Utc));
                foreach (var day in days)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(id, NpgsqlDbType.Integer);
                    await copy.WriteAsync(day.Key, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(day.Select(s => (int)(s.Start - day.Key).TotalSeconds).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer);
                    freeDays++;
                }
            }
            await copy.CompleteAsync();
        }

        await using (var horizon = new NpgsqlCommand(
            "INSERT INTO marketplace.listing_free_day_horizon (listing_id, covered_until) SELECT listing_id, $1 FROM marketplace.listing_availability", connection))
        {
            horizon.Parameters.Add(new NpgsqlParameter { Value = horizonEnd, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await horizon.ExecuteNonQueryAsync();
        }
        await using (var analyze = new NpgsqlCommand(
            "ANALYZE marketplace.listing_availability; ANALYZE marketplace.listing_free_days; ANALYZE marketplace.listing_free_day_horizon", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        return new Counts(plans, freeDays, held);
    }

    private static WeeklyPeriod[] Days(string[] days, string start, string end) => [.. days.Select(d => new WeeklyPeriod(d, start, end))];
}

/// <summary>The availability scenarios, measured in the same run as the unfiltered query.</summary>
internal static class AvailabilityScenarios
{
    private const string Base = "/api/v1/marketplace/listings";

    public static IEnumerable<Scenario> Build()
    {
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc);
        var tomorrow = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc).AddDays(1);
        yield return Rotating("available next 7 days", [new Request { AvailableFrom = minute, AvailableTo = minute.AddDays(7), Limit = 20 }]);
        yield return Rotating("category + availability", [
            new Request { Category = "grooming", AvailableFrom = minute, AvailableTo = minute.AddDays(7), Limit = 20 },
            new Request { Category = "training", AvailableFrom = tomorrow.AddDays(1), AvailableTo = tomorrow.AddDays(3), Limit = 20 },
            new Request { Category = "vet", AvailableFrom = tomorrow, AvailableTo = tomorrow.AddDays(1), Limit = 20 },
            new Request { Category = "photography", AvailableFrom = tomorrow, AvailableTo = tomorrow.AddDays(14), Limit = 20 },
            new Request { Category = "grooming", State = "TX", AvailableFrom = tomorrow, AvailableTo = tomorrow.AddDays(3), Limit = 20 },
        ]);
    }

    private static Scenario Rotating(string name, Request[] requests) => new(name, [.. requests.Select(r => new Probe(Url(r), r, null))]);

    private static string Url(Request r)
    {
        var query = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                query.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }
        Add("category", r.Category);
        Add("state", r.State);
        Add("availableFrom", r.AvailableFrom?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("availableTo", r.AvailableTo?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("limit", r.Limit?.ToString(CultureInfo.InvariantCulture));
        return $"{Base}?{string.Join('&', query)}";
    }
}
