using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// sort=relevance without the RUM index (the default; the shared test database has none): every match, the listings
/// whose title matches first, then those whose title and keywords match together, then the rest, newest first in each
/// tier, paged by cursor without duplicates or gaps (issue 15). The expected order is computed by PostgreSQL from the
/// listings' own fields, not from search_vector's weights the API reads. Each test searches for a word of its own.
/// </summary>
public sealed class TieredRelevanceTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/listings";

    /// <summary>Every active match of <paramref name="q"/> (in <paramref name="city"/>), in tier order, then newest first.</summary>
    internal static Task<List<int>> ExpectedAsync(string connectionString, string q, string? city = null) => RelevanceTests.IdsAsync(connectionString, """
        SELECT l.id
          FROM marketplace.service_listings l, websearch_to_tsquery('english', @q) query
         WHERE l.search_vector @@ query AND l.status = 'active' AND l.deleted_at IS NULL AND (@city::text IS NULL OR l.city = @city)
         ORDER BY CASE WHEN to_tsvector('english', l.title) @@ query THEN 3
                       WHEN to_tsvector('english', l.title) || to_tsvector('english', coalesce(l.keywords, '')) @@ query THEN 2
                       ELSE 1 END DESC,
                  l.published_at DESC, l.id DESC
        """, ("q", q), ("city", city));

    [Fact]
    public async Task Title_matches_come_first_then_title_and_keywords_then_the_description_newest_first_in_each_every_match_once()
    {
        var word = RelevanceTests.UniqueWord();
        var provider = await app.CreateProviderAsync();
        // three tiers of twelve, publication dates interleaved, so every tier spans pages and the oldest title match
        // is older than every other match
        var seeded = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, Enumerable.Range(0, 36).Select(i => (i % 3) switch
        {
            0 => ($"{word} grooming", (string?)null, "A service.", 1 + i / 2.0),
            1 => ("Dog grooming", $"{word} bath", "A service.", i / 2.0),
            _ => ("Dog grooming", (string?)null, $"Ask about {word}.", i / 2.0),
        }));
        var title = seeded.Where((_, i) => i % 3 == 0).ToList();
        var keywords = seeded.Where((_, i) => i % 3 == 1).ToList();
        var description = seeded.Where((_, i) => i % 3 == 2).ToList();

        var paged = await RelevanceTests.AllPagesAsync(app.Client(), $"q={word}&sort=relevance", 5);

        Assert.Equal([.. title, .. keywords, .. description], paged); // seeded newest first within each tier
        Assert.Equal(await ExpectedAsync(app.ConnectionString, word), paged);
    }

    [Fact]
    public async Task Several_words_rank_by_where_all_of_them_match()
    {
        var (first, second) = (RelevanceTests.UniqueWord(), RelevanceTests.UniqueWord());
        var provider = await app.CreateProviderAsync();
        var seeded = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, [
            ($"{first} grooming", second, "A service.", 1),                      // title and keywords together
            ($"{first} {second} grooming", null, "A service.", 5),               // the title alone: first, though older
            ($"{first} grooming", null, $"Ask about {second}.", 0),              // needs the description
            ($"{second} grooming", null, $"Ask about {first}.", 2),              // needs the description too
            ($"{first} grooming", null, "A service.", 0.5),                      // not a match: one word only
        ]);

        var paged = await RelevanceTests.AllPagesAsync(app.Client(), $"q={Uri.EscapeDataString($"{first} {second}")}&sort=relevance", 1);

        Assert.Equal([seeded[1], seeded[0], seeded[2], seeded[3]], paged);
        Assert.Equal(await ExpectedAsync(app.ConnectionString, $"{first} {second}"), paged);
    }

    [Fact]
    public async Task A_negated_word_excludes_a_listing_whose_description_has_it_though_its_title_matches()
    {
        var (word, excluded) = (RelevanceTests.UniqueWord(), RelevanceTests.UniqueWord());
        var provider = await app.CreateProviderAsync();
        var seeded = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, [
            ($"{word} grooming", null, $"No {excluded} here, they say.", 0),
            ($"{word} grooming", null, "A service.", 1),
            ("Dog grooming", $"{word} {excluded}", "A service.", 2),
            ("Dog grooming", null, $"Ask about {word}.", 3),
        ]);

        var paged = await RelevanceTests.AllPagesAsync(app.Client(), $"q={Uri.EscapeDataString($"{word} -{excluded}")}&sort=relevance", 1);

        Assert.Equal([seeded[1], seeded[3]], paged);
    }

    /// <summary>
    /// A tier the planner cannot size is first looked for among the newest listings of the filters (Data.SearchWindow);
    /// matches older than that window are still found, in order, for one word (the description tier) and for two (every
    /// tier).
    /// </summary>
    [Fact]
    public async Task Matches_older_than_the_newest_thousand_listings_of_the_filters_are_found_in_every_tier()
    {
        var (word, other) = (RelevanceTests.UniqueWord(), RelevanceTests.UniqueWord());
        var city = $"Window {Guid.NewGuid():N}"[..30];
        var provider = await app.CreateProviderAsync();
        var matches = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, [
            ($"{word} {other} grooming", null, "A service.", 40),
            ($"{word} grooming", other, "A service.", 41),
            ("Dog grooming", null, $"Ask about {word} {other}.", 42),
            ("Dog grooming", null, $"Ask about {word} and {other}.", 43),
        ], city);
        await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id,
            Enumerable.Range(0, Api.Features.Listings.Browse.Data.SearchWindow + 50).Select(i => ("Dog walking", (string?)null, "A service.", i / 100.0)), city);
        var c = Uri.EscapeDataString(city);

        var oneWord = await RelevanceTests.AllPagesAsync(app.Client(), $"q={word}&city={c}&sort=relevance", 20);
        var twoWords = await RelevanceTests.AllPagesAsync(app.Client(), $"q={Uri.EscapeDataString($"{word} {other}")}&city={c}&sort=relevance", 3);

        Assert.Equal([matches[0], matches[1], matches[2], matches[3]], oneWord);
        Assert.Equal([matches[0], matches[1], matches[2], matches[3]], twoWords);
        Assert.Equal(await ExpectedAsync(app.ConnectionString, $"{word} {other}", city), twoWords);
    }

    [Fact]
    public async Task A_search_that_only_excludes_words_ranks_every_listing_of_the_filters_by_title_newest_first()
    {
        var word = RelevanceTests.UniqueWord();
        var city = $"Only {Guid.NewGuid():N}"[..30];
        var provider = await app.CreateProviderAsync();
        var seeded = await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id,
            Enumerable.Range(0, 5).Select(i => ($"Dog walking {i}", (string?)null, "A service.", (double)i)), city);
        await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, [("Dog walking", null, $"Not with {word}.", 0.5)], city);

        var paged = await RelevanceTests.AllPagesAsync(app.Client(), $"q=-{word}&city={Uri.EscapeDataString(city)}&sort=relevance", 2);

        Assert.Equal(seeded, paged);
    }

    [Fact]
    public async Task A_cursor_of_another_search_is_refused()
    {
        var word = RelevanceTests.UniqueWord();
        var provider = await app.CreateProviderAsync();
        await RelevanceTests.SeedAsync(app.ConnectionString, provider.Id, Enumerable.Range(0, 3).Select(i => ($"{word} grooming", (string?)null, "A service.", (double)i)));
        var page = await (await app.Client().GetAsync($"{Url}?q={word}&sort=relevance&limit=1")).AssertJson(HttpStatusCode.OK);
        var cursor = Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!);

        await (await app.Client().GetAsync($"{Url}?q={word}&sort=newest&limit=1&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client().GetAsync($"{Url}?q={word}x&sort=relevance&limit=1&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }
}
