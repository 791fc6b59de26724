using System.Net;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// sort=relevance ranks every match through the RUM index where an operator created it (issue 15), pages by cursor
/// without duplicates or gaps, and ranks by tier where the index is missing (TieredRelevanceTests: the shared
/// database has no RUM index). Each test searches for a word of its own.
/// </summary>
[Collection(RumAndReplicas.Name)]
public sealed class RelevanceTests(AppFixture app, RelevanceTests.RumCatalogue rum) : IClassFixture<AppFixture>, IClassFixture<RelevanceTests.RumCatalogue>, IDisposable
{
    /// <summary>
    /// A database of its own with the opt-in RUM index (Marketplace.Migrations.RumIndex; the shared
    /// test database has none) and a small seeded catalogue, whose first active provider owns the
    /// listings the tests add.
    /// </summary>
    public sealed class RumCatalogue : IAsyncLifetime
    {
        public string ConnectionString { get; private set; } = "";
        public int ProviderId { get; private set; }

        public async Task InitializeAsync()
        {
            ConnectionString = await TestDatabase.CreateMigratedAsync("rum");
            await SeededCatalogue.SeedAsync(ConnectionString, 200);
            await using var connection = await OpenAsync(ConnectionString);
            await using (var create = new NpgsqlCommand(Marketplace.Migrations.RumIndex.CreateSql, connection))
            {
                await create.ExecuteNonQueryAsync();
            }
            await using var provider = new NpgsqlCommand(
                "SELECT id FROM marketplace.providers WHERE status = 'active' AND deleted_at IS NULL ORDER BY id LIMIT 1", connection);
            ProviderId = (int)(await provider.ExecuteScalarAsync())!;
        }

        public Task DisposeAsync() => TestDatabase.DropAsync(ConnectionString);
    }

    /// <summary>A host of the RUM database (RelevanceIndex looks the index up once per host).</summary>
    private HttpClient RumClient()
    {
        var host = app.Isolated(settings: new Dictionary<string, string?> { ["ConnectionStrings:Marketplace"] = rum.ConnectionString });
        hosts.Add(host);
        return host.CreateClient();
    }

    private readonly List<IDisposable> hosts = [];

    public void Dispose()
    {
        foreach (var host in hosts)
        {
            host.Dispose();
        }
    }

    private const string Url = "/api/v1/marketplace/listings";

    /// <summary>A word only this test's listings contain (letters only, so the english parser keeps it whole).</summary>
    internal static string UniqueWord() => "zq" + new string([.. Guid.NewGuid().ToString("N").Where(char.IsLetter).Take(10)]) + "x";

    /// <summary>Listings of one provider straight into the database: (title, keywords, description, days since publication) each.</summary>
    internal static async Task<List<int>> SeedAsync(string connectionString, int providerId, IEnumerable<(string Title, string? Keywords, string Description, double AgeDays)> listings,
        string city = "Austin")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var rows = listings.ToList();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO marketplace.service_listings (provider_id, slug, title, keywords, description, category, price_cents, price_type,
                                                      city, state, status, published_at, created_at, updated_at)
            SELECT @provider, 'relevance-' || replace(gen_random_uuid()::text, '-', ''), t.title, t.keywords, t.description, 'grooming', 5000, 'fixed',
                   @city, 'TX', 'active', now() - t.age * interval '1 day', now(), now()
              FROM unnest(@titles, @keywords, @descriptions, @ages) WITH ORDINALITY AS t(title, keywords, description, age, n)
             ORDER BY t.n
            RETURNING id;
            UPDATE marketplace.providers SET total_listings = total_listings + @count, active_listings = active_listings + @count WHERE id = @provider;
            """, connection);
        insert.Parameters.AddWithValue("provider", providerId);
        insert.Parameters.AddWithValue("city", city);
        insert.Parameters.AddWithValue("titles", rows.Select(r => r.Title).ToArray());
        insert.Parameters.AddWithValue("keywords", rows.Select(r => r.Keywords).ToArray());
        insert.Parameters.AddWithValue("descriptions", rows.Select(r => r.Description).ToArray());
        insert.Parameters.AddWithValue("ages", rows.Select(r => r.AgeDays).ToArray());
        insert.Parameters.AddWithValue("count", rows.Count);
        var ids = new List<int>();
        await using var reader = await insert.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }
        return ids;
    }

    internal static async Task<List<int>> AllPagesAsync(HttpClient client, string query, int limit)
    {
        var ids = new List<int>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"{Url}?{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")))
                .AssertJson(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()).ToList();
            Assert.InRange(items.Count, 0, limit);
            ids.AddRange(items);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>The expected order, computed by PostgreSQL itself over every active match.</summary>
    private static Task<List<int>> ExpectedAsync(string connectionString, string word, string rankExpression, string direction) => IdsAsync(connectionString, $"""
        SELECT l.id FROM marketplace.service_listings l, websearch_to_tsquery('english', @word) query
         WHERE l.search_vector @@ query AND l.status = 'active' AND l.deleted_at IS NULL
         ORDER BY {rankExpression} {direction}, l.id DESC
        """, ("word", word));

    /// <summary>The ids a query returns, in its order (the expected pages of the search tests).</summary>
    internal static async Task<List<int>> IdsAsync(string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        var ids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }
        return ids;
    }

    [Fact]
    public async Task An_old_listing_with_a_better_rank_comes_before_six_hundred_newer_weaker_matches()
    {
        var word = UniqueWord();
        // six hundred newer listings that mention the word only in their description rank after it
        var old = (await SeedAsync(rum.ConnectionString, rum.ProviderId, [($"{word} grooming salon", word, $"The best {word} in town.", 700)])).Single();
        await SeedAsync(rum.ConnectionString, rum.ProviderId, Enumerable.Range(0, 600).Select(i => ("Dog grooming", (string?)null, $"Ask about {word}.", i / 10.0)));

        var first = await (await RumClient().GetAsync($"{Url}?q={word}&sort=relevance&limit=3")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(old, first.GetProperty("items")[0].GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Paging_by_cursor_returns_every_match_once_in_rank_order_ties_broken_by_id()
    {
        var word = UniqueWord();
        // four rank classes, ten listings each (so ties span page boundaries), published in mixed order
        var seeded = await SeedAsync(rum.ConnectionString, rum.ProviderId, Enumerable.Range(0, 40).Select(i => (i % 4) switch
        {
            0 => ($"{word} training", (string?)null, "A service.", (double)i),
            1 => ("Dog training", word, "A service.", (double)i),
            2 => ("Dog training", (string?)null, $"We teach {word}.", (double)i),
            _ => ($"{word} {word} training", word, $"All about {word}.", (double)i),
        }));

        var paged = await AllPagesAsync(RumClient(), $"q={word}&sort=relevance", 3);

        Assert.Equal(40, paged.Distinct().Count());
        Assert.Equal(seeded.Order(), paged.Order());
        var schema = (await new NpgsqlCommand(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'rum'",
            await OpenAsync(rum.ConnectionString)).ExecuteScalarAsync()) as string;
        Assert.NotNull(schema); // scripts/postgres.sh installs postgresql-15-rum
        Assert.Equal(await ExpectedAsync(rum.ConnectionString, word, $"l.search_vector OPERATOR({schema}.<=>) query", "ASC"), paged);
    }

    [Fact]
    public async Task A_search_that_only_excludes_words_pages_too()
    {
        // every match ranks as far as possible (an infinite RUM distance): the cursor must still carry it
        var word = UniqueWord();
        var city = $"City {Guid.NewGuid():N}"[..30];
        var seeded = await SeedAsync(rum.ConnectionString, rum.ProviderId, Enumerable.Range(0, 5).Select(i => ($"{word} walking", (string?)null, "A service.", (double)i)));
        await using (var connection = await OpenAsync(rum.ConnectionString))
        await using (var move = new NpgsqlCommand("UPDATE marketplace.service_listings SET city = @city WHERE id = ANY(@ids)", connection))
        {
            move.Parameters.AddWithValue("city", city);
            move.Parameters.AddWithValue("ids", seeded.ToArray());
            await move.ExecuteNonQueryAsync();
        }

        var paged = await AllPagesAsync(RumClient(), $"q=-{word}zz&city={Uri.EscapeDataString(city)}&sort=relevance", 2);

        Assert.Equal(seeded.OrderDescending(), paged);
    }

    [Fact]
    public async Task Without_the_rum_index_relevance_ranks_every_match_by_tier_and_says_so_once()
    {
        var connectionString = await TestDatabase.CreateMigratedAsync("norum");
        try
        {
            await using (var connection = await OpenAsync(connectionString))
            await using (var drop = new NpgsqlCommand($"DROP INDEX IF EXISTS marketplace.{Api.Features.Listings.Browse.RelevanceIndex.IndexName}; DROP EXTENSION IF EXISTS rum;", connection))
            {
                await drop.ExecuteNonQueryAsync();
            }
            await SeededCatalogue.SeedAsync(connectionString, 600);
            var logs = new LogCapture();
            using var host = app.Isolated(settings: new Dictionary<string, string?> { ["ConnectionStrings:Marketplace"] = connectionString })
                .WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs))));
            using var client = host.CreateClient();

            // "transport": the title of a fifth of the catalogue, the description of none; "agility training": the description of a third
            foreach (var q in new[] { "transport", "agility training" })
            {
                var first = await AllPagesAsync(client, $"q={Uri.EscapeDataString(q)}&sort=relevance", 20);
                var second = await AllPagesAsync(client, $"q={Uri.EscapeDataString(q)}&sort=relevance", 7);

                var expected = await TieredRelevanceTests.ExpectedAsync(connectionString, q);
                Assert.InRange(expected.Count, 100, 600);
                Assert.Equal(expected, first);
                Assert.Equal(expected, second);
            }
            Assert.Single(logs.Lines, line => line.Contains("sort=relevance ranks every match by where it matches", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("relevance", StringComparison.Ordinal));
        }
        finally
        {
            await TestDatabase.DropAsync(connectionString);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
