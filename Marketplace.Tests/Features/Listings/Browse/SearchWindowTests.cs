using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// A search with the newest, popular or a price sort reads a window of the first listings of its filters in the sort's
/// order, then, when the window is full and short of matches, the matches from their GIN index (Data.Windowed). Paged
/// by cursor, every match comes once and in the sort's order either way: here a few matches lie far behind more than a
/// window of listings that do not match, some without a price (the price sorts' second branch), and some of a provider
/// that is not active.
/// </summary>
public sealed class SearchWindowTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("newest", "l.published_at DESC, l.id DESC")]
    [InlineData("popular", "l.view_count DESC, l.id DESC")]
    [InlineData("price_asc", "l.price_cents ASC NULLS LAST, l.id ASC")]
    [InlineData("price_desc", "l.price_cents DESC NULLS LAST, l.id DESC")]
    public async Task Matches_behind_a_full_window_come_once_each_in_the_sorts_order(string sort, string order)
    {
        var word = RelevanceTests.UniqueWord();
        var city = $"Search {Guid.NewGuid():N}"[..30];
        var provider = await app.CreateProviderAsync();
        var suspended = await app.CreateProviderAsync(status: "suspended");
        // the matches: oldest, least viewed and dearest of the city, so that every sort's window passes them by
        var matches = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id,
            Enumerable.Range(0, 7).Select(i => ($"{word} grooming {i}", (string?)null, "A service.", 100.0 + i)), city);
        await RelevanceTests.SeedAsync(app.ConnectionString, suspended.Id, [($"{word} grooming", null, "A service.", 50)], city);
        await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id,
            Enumerable.Range(0, Api.Features.Listings.Browse.Data.SearchWindow + 30).Select(i => ("Dog walking", (string?)null, "A service.", i / 100.0)), city);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var shape = new NpgsqlCommand("""
                UPDATE marketplace.service_listings SET view_count = 1000 WHERE city = @city AND NOT (id = ANY(@matches));
                UPDATE marketplace.service_listings SET view_count = 0, price_cents = CASE WHEN id % 3 = 0 THEN NULL ELSE 900000 + id END,
                       price_type = CASE WHEN id % 3 = 0 THEN 'contact' ELSE 'fixed' END
                 WHERE id = ANY(@matches);
                """, connection);
            shape.Parameters.AddWithValue("city", city);
            shape.Parameters.AddWithValue("matches", matches.ToArray());
            await shape.ExecuteNonQueryAsync();
        }

        var paged = await RelevanceTests.AllPagesAsync(app.Client(), $"q={word}&city={Uri.EscapeDataString(city)}&sort={sort}", 2);

        Assert.Equal(matches.Count, paged.Count);
        Assert.Equal(await ExpectedAsync(word, city, order), paged);
    }

    private Task<List<int>> ExpectedAsync(string word, string city, string order) => RelevanceTests.IdsAsync(app.ConnectionString, $"""
        SELECT l.id
          FROM marketplace.service_listings l
          JOIN marketplace.providers p ON p.id = l.provider_id
         WHERE l.search_vector @@ websearch_to_tsquery('english', @word) AND l.city = @city
           AND l.status = 'active' AND l.deleted_at IS NULL AND p.status = 'active' AND p.deleted_at IS NULL
         ORDER BY {order}
        """, ("word", word), ("city", city));
}
