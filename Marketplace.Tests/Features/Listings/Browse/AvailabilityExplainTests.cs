using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Features.Listings.Browse;
using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// The plans of the availability filter on a seeded database of its own (30,000 listings, a third
/// of them with a plan and 30 days of free-slot rows, then ANALYZE): the API's exact SQL
/// (<see cref="Data.BuildSql"/>) reads service_listings through its indexes and probes the
/// free-slot rows by primary key, never a sequential scan of either.
/// </summary>
public sealed class AvailabilityExplainTests : IAsyncLifetime
{
    private string connectionString = "";
    private static readonly DateTime Now = DateTime.UtcNow;

    public async Task InitializeAsync()
    {
        connectionString = await TestDatabase.CreateMigratedAsync("explain");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var seed = new NpgsqlCommand("""
            INSERT INTO marketplace.users (id, email, password_hash, user_type)
            SELECT g, 'owner' || g || '@explain.test', 'x', 'provider' FROM generate_series(1, 500) g;
            INSERT INTO marketplace.providers (id, user_id, provider_type, business_name, status, time_zone)
            SELECT g, g, 'service_provider', 'Provider ' || g, 'active', 'America/New_York' FROM generate_series(1, 500) g;
            INSERT INTO marketplace.service_listings (id, provider_id, slug, title, category, price_type, price_cents, city, state, status, published_at, view_count)
            SELECT g, 1 + g % 500, 'listing-' || g, 'Listing ' || g,
                   (ARRAY['grooming', 'training', 'boarding', 'vet', 'transport', 'photography', 'stud_service', 'other'])[1 + g % 8],
                   'fixed', 1000 + g % 9000, 'City ' || g % 40, 'S' || g % 15,
                   CASE WHEN g % 10 < 8 THEN 'active' ELSE 'draft' END, now() - g * interval '1 minute', g % 1000
              FROM generate_series(1, 30000) g;
            INSERT INTO marketplace.listing_availability (listing_id, weekly, slot_minutes, updated_at)
            SELECT g, '[{"day":"mon","start":"09:00","end":"17:00"}]', 60, now() FROM generate_series(1, 30000) g WHERE g % 3 = 0;
            -- weekdays free from 14:00 to 21:00 UTC, a quarter of the listings fully booked over the first week
            INSERT INTO marketplace.listing_free_days (listing_id, day_start, free_seconds)
            SELECT a.listing_id, d, ARRAY[50400, 54000, 57600, 61200, 64800, 68400, 72000, 75600]
              FROM marketplace.listing_availability a
             CROSS JOIN generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '30 days', interval '1 day') d
             WHERE extract(isodow FROM d AT TIME ZONE 'UTC') < 6 AND NOT (a.listing_id % 4 = 0 AND d < now() + interval '8 days');
            ANALYZE;
            """, connection);
        seed.CommandTimeout = 300;
        await seed.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => TestDatabase.DropAsync(connectionString);

    private async Task<string> ExplainAsync(Request request, BrowseCursor? after = null)
    {
        using var db = new DataConnection(new DataOptions().UsePostgreSQL(
            new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15));
        var sql = Data.BuildSql(request, after, (request.Limit ?? 20) + 1, Now);
        return string.Join('\n', await db.QueryToListAsync<string>("EXPLAIN (ANALYZE, COSTS OFF) " + sql.Sql, [.. sql.Parameters]));
    }

    private static Request Week(Request r) => r with { AvailableFrom = Now.Date.AddDays(1), AvailableTo = Now.Date.AddDays(8) };

    [Fact]
    public async Task The_availability_filter_walks_the_listing_indexes_and_probes_free_days_by_key_with_every_sort_category_and_cursor()
    {
        var requests = new (string Name, Request Request, BrowseCursor? After)[]
        {
            ("newest", Week(new Request()), null),
            ("category", Week(new Request { Category = "grooming" }), null),
            ("category + state", Week(new Request { Category = "vet", State = "S3" }), null),
            ("price_asc", Week(new Request { Sort = Sorts.PriceAsc }), null),
            ("page after a cursor", Week(new Request { Category = "grooming" }), new BrowseCursor(Sorts.Newest, 20000, PublishedAt: Now.AddMinutes(-20000))),
        };
        foreach (var (name, request, after) in requests)
        {
            var plan = await ExplainAsync(request, after);
            Assert.False(plan.Contains("Seq Scan on service_listings", StringComparison.Ordinal), $"{name}:\n{plan}");
            Assert.False(plan.Contains("Seq Scan on listing_free_days", StringComparison.Ordinal), $"{name}:\n{plan}");
            Assert.False(plan.Contains("Seq Scan on listing_availability", StringComparison.Ordinal), $"{name}:\n{plan}");
            Assert.True(plan.Contains("pk_listing_free_days", StringComparison.Ordinal), $"{name}:\n{plan}");
        }
    }
}
