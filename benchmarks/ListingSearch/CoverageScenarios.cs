using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings.Browse;
using Marketplace.Api.Infrastructure;
using Npgsql;
using BrowseData = Marketplace.Api.Features.Listings.Browse.Data;

namespace ListingSearch;

/// <summary>
/// Issue 15's coverage: every class of browse request a client can send (price ranges with every
/// sort, state, city, category combinations, q with every sort), a user's saved listings and a
/// provider's own listings, and relevance with and without the RUM index side by side on the SQL.
/// Kept apart from the original scenarios in Program.cs, which it only adds to.
/// </summary>
internal static class CoverageScenarios
{
    private static readonly (long Min, long Max)[] Ranges = [(5_000, 20_000), (1_000, 3_000), (30_000, 80_000)];
    private static readonly string[] Words = ["puppy", "hypoallergenic shampoo", "airport", "agility training", "senior wellness"];

    public static List<Scenario> Browse()
    {
        Request[] InRange(string? sort, string? category = null) =>
            [.. Ranges.Select(r => new Request { MinPriceCents = r.Min, MaxPriceCents = r.Max, Sort = sort, Category = category, Limit = 20 })];
        Request[] Searching(string sort) => [.. Words.Select(q => new Request { Q = q, Sort = sort, Limit = 20 })];
        return
        [
            Scenarios.Rotating("popular", [new Request { Sort = Sorts.Popular, Limit = 20 }]),
            Scenarios.Rotating("price range (newest)", InRange(null)),
            Scenarios.Rotating("price range (price_asc)", InRange(Sorts.PriceAsc)),
            Scenarios.Rotating("price range (price_desc)", InRange(Sorts.PriceDesc)),
            Scenarios.Rotating("price range (popular)", InRange(Sorts.Popular)),
            Scenarios.Rotating("min price only (price_asc)", [new Request { MinPriceCents = 20_000, Sort = Sorts.PriceAsc, Limit = 20 }]),
            Scenarios.Rotating("price range + category (price_asc)", InRange(Sorts.PriceAsc, "grooming")),
            Scenarios.Rotating("state (newest)", [.. new[] { "TX", "CA", "MN", "OR" }.Select(s => new Request { State = s, Limit = 20 })]),
            Scenarios.Rotating("city (newest)", [.. new[] { "Austin", "Eugene", "Saint Paul", "Buffalo" }.Select(c => new Request { City = c, Limit = 20 })]),
            Scenarios.Rotating("state + city + category", [
                new Request { State = "TX", City = "Austin", Category = "grooming", Limit = 20 },
                new Request { State = "MN", City = "Saint Paul", Category = "vet", Limit = 20 },
                new Request { State = "OR", City = "Eugene", Category = "transport", Limit = 20 },
            ]),
            Scenarios.Rotating("category + state (price_asc)", [
                new Request { Category = "grooming", State = "TX", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { Category = "stud_service", State = "MN", Sort = Sorts.PriceAsc, Limit = 20 },
            ]),
            // issue 15, second pass: every place and category filter with a price sort, rare values included
            // (stud_service is 5 % of the listings, MN 2 %, stud_service in MN 0.1 %)
            Scenarios.Rotating("category + state (price_desc)", [
                new Request { Category = "grooming", State = "TX", Sort = Sorts.PriceDesc, Limit = 20 },
                new Request { Category = "stud_service", State = "MN", Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
            Scenarios.Rotating("category (price sort)", [
                new Request { Category = "stud_service", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { Category = "grooming", Sort = Sorts.PriceDesc, Limit = 20 },
                new Request { Category = "stud_service", Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
            Scenarios.Rotating("state (price sort)", [
                new Request { State = "MN", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { State = "TX", Sort = Sorts.PriceDesc, Limit = 20 },
                new Request { State = "MN", Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
            Scenarios.Rotating("city (price sort)", [
                new Request { City = "Saint Paul", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { City = "Austin", Sort = Sorts.PriceDesc, Limit = 20 },
                new Request { City = "Eugene", Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
            Scenarios.Rotating("state + city + category (price sort)", [
                new Request { State = "MN", City = "Saint Paul", Category = "stud_service", Sort = Sorts.PriceAsc, Limit = 20 },
                new Request { State = "TX", City = "Austin", Category = "grooming", Sort = Sorts.PriceDesc, Limit = 20 },
            ]),
            Scenarios.Rotating("q (price_asc)", Searching(Sorts.PriceAsc)),
            Scenarios.Rotating("q (price_desc)", Searching(Sorts.PriceDesc)),
            Scenarios.Rotating("q (popular)", Searching(Sorts.Popular)),
        ];
    }

    /// <summary>
    /// A registered user who saved 300 listings and owns a provider of the data set: registered
    /// through the API (a real session token), the rest written straight into the database.
    /// </summary>
    public static async Task<List<Scenario>> AccountsAsync(HttpClient http, string connectionString)
    {
        var email = $"bench-{Guid.NewGuid():N}@bench.test";
        var register = await http.PostAsJsonAsync("/api/v1/marketplace/auth/register", new { email, password = "Bench-password-2026!" });
        register.EnsureSuccessStatusCode();
        var body = JsonDocument.Parse(await register.Content.ReadAsStringAsync()).RootElement;
        var token = body.GetProperty("accessToken").GetString()!;
        var userId = body.GetProperty("user").GetProperty("id").GetInt32();
        int providerId;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                INSERT INTO marketplace.saved_listings (user_id, listing_id, saved_at)
                SELECT @user, id, now() - id * interval '1 minute'
                  FROM marketplace.service_listings WHERE status = 'active' AND deleted_at IS NULL AND id % 97 = 0
                 ORDER BY id LIMIT 300;
                UPDATE marketplace.providers SET user_id = @user
                 WHERE id = (SELECT provider_id FROM marketplace.service_listings GROUP BY provider_id ORDER BY count(*) DESC LIMIT 1)
                RETURNING id;
                """, connection);
            command.Parameters.AddWithValue("user", userId);
            providerId = (int)(await command.ExecuteScalarAsync())!;
            // statistics as a live table has them: planned on the empty table's statistics, the saved
            // listings query read all 300 rows of the user through the (user_id, listing_id) index and sorted them
            await using var analyze = new NpgsqlCommand("ANALYZE marketplace.saved_listings; ANALYZE marketplace.providers", connection);
            await analyze.ExecuteNonQueryAsync();
        }
        Probe Account(string url, Func<Db, Task> query) => new(url, new Request(), null) { Token = token, Query = query };
        var savedCursor = await CursorAtPageAsync(http, token, "/api/v1/marketplace/saved-listings?limit=20", 5);
        var ownCursor = await CursorAtPageAsync(http, token, "/api/v1/marketplace/providers/me/listings?limit=20", 3);
        var decode = new Cursors(Encoding.UTF8.GetBytes(Scenarios.SigningKey));
        var savedAfter = decode.Decode<Marketplace.Api.Features.SavedListings.List.Cursor>(savedCursor, new CursorScope("saved-listings", new { userId }));
        var ownAfter = decode.Decode<Marketplace.Api.Features.Providers.MyListings.Cursor>(ownCursor, new CursorScope("providers.me.listings", new { providerId, Status = (string?)null }));
        return
        [
            new Scenario("saved listings (page 1, page 5)", [
                Account("/api/v1/marketplace/saved-listings?limit=20",
                    db => Marketplace.Api.Features.SavedListings.List.Data.PageAsync(db, userId, null, 21, default)),
                Account($"/api/v1/marketplace/saved-listings?limit=20&cursor={savedCursor}",
                    db => Marketplace.Api.Features.SavedListings.List.Data.PageAsync(db, userId, savedAfter, 21, default)),
            ]),
            new Scenario("own listings (all, active, page 3)", [
                Account("/api/v1/marketplace/providers/me/listings?limit=20",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, null, null, 21, default)),
                Account("/api/v1/marketplace/providers/me/listings?status=active&limit=20",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, "active", null, 21, default)),
                Account($"/api/v1/marketplace/providers/me/listings?limit=20&cursor={ownCursor}",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, null, ownAfter, 21, default)),
            ]),
            // a rare status: 8 % of the listings are drafts, 5 % paused
            new Scenario("own listings (draft, paused)", [
                Account("/api/v1/marketplace/providers/me/listings?status=draft&limit=20",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, "draft", null, 21, default)),
                Account("/api/v1/marketplace/providers/me/listings?status=paused&limit=20",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, "paused", null, 21, default)),
            ]),
            // the same pages of 2: the provider (the data set's largest) owns 3 drafts and 2 paused at 200k
            // but 20 and 10 at 1M, so the pages above grow with the data set; these stay the same size
            new Scenario("own listings (draft, paused; pages of 2)", [
                Account("/api/v1/marketplace/providers/me/listings?status=draft&limit=2",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, "draft", null, 3, default)),
                Account("/api/v1/marketplace/providers/me/listings?status=paused&limit=2",
                    db => Marketplace.Api.Features.Providers.MyListings.Data.PageAsync(db, providerId, "paused", null, 3, default)),
            ]),
        ];
    }

    private static async Task<string> CursorAtPageAsync(HttpClient http, string token, string url, int page)
    {
        string? cursor = null;
        for (var i = 1; i < page; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url + (cursor is null ? "" : $"&cursor={cursor}"));
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            cursor = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("nextCursor").GetString()
                ?? throw new InvalidOperationException($"{url}: fewer than {page} pages");
        }
        return cursor!;
    }

    /// <summary>
    /// The plan of a query the slice builds with linq2db (no SQL text to EXPLAIN by hand): the slice's
    /// own Data method runs on a connection where auto_explain reports each plan as a notice.
    /// </summary>
    public static async Task<string> AutoExplainAsync(string connectionString, Func<Db, Task> query)
    {
        var options = new DataOptions<Db>(new DataOptions().UsePostgreSQL(
            new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC", Pooling = false }.ConnectionString, PostgreSQLVersion.v15));
        await using var db = new Db(options);
        var plans = new StringBuilder();
        var connection = (NpgsqlConnection)db.OpenDbConnection();
        connection.Notice += (_, e) => plans.AppendLine(e.Notice.MessageText);
        await db.ExecuteAsync("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; "
            + "SET auto_explain.log_buffers = on; SET auto_explain.log_level = notice");
        await query(db);
        return plans.ToString().TrimEnd();
    }

    /// <summary>Schema of the rum extension when the RUM index exists (what the API's RelevanceIndex finds), else null.</summary>
    public static async Task<string?> RumSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname = 'rum' AND EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = '{RelevanceIndex.IndexName}')
            """, connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// Relevance by tier (the default, M202611273200) and through the opt-in RUM index, both over every match, the API's
    /// own statements (Data.QueryAsync: every tier a page reads) run one after the other on the same database, 1 and 4
    /// connections, the five search texts in rotation: latency of the queries alone.
    /// </summary>
    public static async Task<List<string>> CompareRelevanceAsync(string connectionString, string rumSchema, TimeSpan duration)
    {
        var lines = new List<string> { "| relevance SQL | connections | p50 | p99 | queries/s |", "| --- | ---: | ---: | ---: | ---: |" };
        foreach (var connections in new[] { 1, 4 })
        {
            foreach (var (name, schema) in new[] { ("tiers (default)", (string?)null), ("RUM index (opt-in)", rumSchema) })
            {
                var latencies = new List<double>();
                var started = Stopwatch.GetTimestamp();
                var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
                {
                    await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString);
                    await connection.OpenAsync();
                    var mine = new List<double>();
                    for (var i = c; Stopwatch.GetTimestamp() < until; i++)
                    {
                        var sql = BrowseData.BuildSql(new Request { Q = Words[i % Words.Length], Sort = Sorts.Relevance, Limit = 20 }, null, 21, rumSchema: schema);
                        var sent = Stopwatch.GetTimestamp();
                        await BrowseData.QueryAsync(connection, sql, default);
                        mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    }
                    lock (latencies)
                    {
                        latencies.AddRange(mine);
                    }
                })));
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var sorted = latencies.Order().ToArray();
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {connections} | {Load.Percentile(sorted, 0.5):0.0} ms | {Load.Percentile(sorted, 0.99):0.0} ms | {sorted.Length / seconds:0} |"));
            }
        }
        return lines;
    }
}
