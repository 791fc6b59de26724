using System.Net;
using System.Text.Json;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// Each test lists within a city of its own (or its own search word), so listings of parallel tests
/// never show up in its pages.
/// </summary>
public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/listings";

    private static string UniqueCity() => $"City {Guid.NewGuid():N}"[..30];

    /// <summary>A listing straight into the database (browse tests are not about creating them), counters kept.</summary>
    private async Task<int> SeedAsync(TestProvider provider, string city, string title = "Dog walking", long? priceCents = 5000,
        string priceType = "fixed", DateTime? publishedAt = null, int views = 0, string status = "active", string category = "grooming",
        string state = "TX", string? description = "A service.", string? keywords = null)
    {
        using var db = app.Db();
        var now = DateTime.UtcNow;
        var id = await db.InsertWithInt32IdentityAsync(new ListingRow
        {
            ProviderId = provider.Id,
            Slug = $"seeded-{Guid.NewGuid():N}",
            Title = title,
            Description = description,
            Keywords = keywords,
            Category = category,
            PriceType = priceType,
            PriceCents = priceCents,
            City = city,
            State = state,
            Status = status,
            PublishedAt = status is "active" or "paused" ? publishedAt ?? now : null,
            ViewCount = views,
            ViewsCounted = views, // as published: a publish by any test leaves it
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.Providers.Where(p => p.Id == provider.Id)
            .Set(p => p.TotalListings, p => p.TotalListings + 1)
            .Set(p => p.ActiveListings, p => p.ActiveListings + (status == "active" ? 1 : 0))
            .UpdateAsync();
        return id;
    }

    private async Task<JsonElement> GetAsync(string query) =>
        await (await app.Client().GetAsync($"{Url}?{query}")).AssertJson(HttpStatusCode.OK);

    private static List<int> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32())];

    private async Task<List<int>> AllPagesAsync(string query, int limit)
    {
        var ids = new List<int>();
        string? cursor = null;
        do
        {
            var page = await GetAsync($"{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var pageIds = Ids(page);
            Assert.True(pageIds.Count <= limit);
            ids.AddRange(pageIds);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    [Fact]
    public async Task Only_active_listings_of_active_providers_are_listed_newest_first_with_their_provider()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync(businessName: "Shown Provider");
        var pending = await app.CreateProviderAsync(status: "pending");
        var suspended = await app.CreateProviderAsync(status: "suspended");
        var older = await SeedAsync(provider, city, publishedAt: DateTime.UtcNow.AddDays(-2));
        var newer = await SeedAsync(provider, city, publishedAt: DateTime.UtcNow.AddDays(-1));
        await SeedAsync(provider, city, status: "draft");
        await SeedAsync(provider, city, status: "paused");
        var deleted = await SeedAsync(provider, city);
        await SeedAsync(pending, city);
        await SeedAsync(suspended, city);
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == deleted).Set(l => l.DeletedAt, DateTime.UtcNow).UpdateAsync();
        }

        var page = await GetAsync($"city={Uri.EscapeDataString(city)}");

        Assert.Equal([newer, older], Ids(page));
        var first = page.GetProperty("items")[0];
        Assert.Equal(provider.Id, first.GetProperty("provider").GetProperty("id").GetInt32());
        Assert.Equal("Shown Provider", first.GetProperty("provider").GetProperty("businessName").GetString());
        Assert.True(first.GetProperty("provider").TryGetProperty("averageRating", out _));
        Assert.True(first.GetProperty("provider").TryGetProperty("totalReviews", out _));
        Assert.True(first.GetProperty("provider").TryGetProperty("verifiedProvider", out _));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Filters_narrow_the_results()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var other = await app.CreateProviderAsync();
        var groomingCheap = await SeedAsync(provider, city, priceCents: 2000, category: "grooming");
        var groomingDear = await SeedAsync(provider, city, priceCents: 9000, category: "grooming");
        var training = await SeedAsync(provider, city, priceCents: 5000, category: "training", priceType: "hourly");
        var contact = await SeedAsync(other, city, priceCents: null, priceType: "contact", category: "training");
        var elsewhere = await SeedAsync(other, city, state: "CA");
        var c = Uri.EscapeDataString(city);

        Assert.Equal(new[] { groomingDear, groomingCheap, elsewhere }.Order(), Ids(await GetAsync($"city={c}&category=grooming")).Order());
        Assert.Equal([training], Ids(await GetAsync($"city={c}&priceType=hourly")));
        Assert.Equal(new[] { groomingCheap, training }.Order(), Ids(await GetAsync($"city={c}&state=TX&maxPriceCents=5000")).Order());
        Assert.Equal([groomingDear], Ids(await GetAsync($"city={c}&minPriceCents=6000&maxPriceCents=9000")));
        Assert.Equal(new[] { contact, elsewhere }.Order(), Ids(await GetAsync($"city={c}&providerId={other.Id}")).Order());
        Assert.Equal([elsewhere], Ids(await GetAsync($"city={c}&state=CA")));
    }

    [Fact]
    public async Task Every_sort_pages_through_all_results_once_and_in_order()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        var start = DateTime.UtcNow.AddDays(-30);
        var seeded = new List<(int Id, long? Price, int Views, DateTime Published)>();
        for (var i = 0; i < 13; i++)
        {
            // ties on purpose (price, views, publishedAt repeat) so the id must break them
            long? price = i % 5 == 4 ? null : 1000 * (i % 3);
            var views = i % 4;
            var published = start.AddHours(i % 6);
            var id = await SeedAsync(provider, city, priceCents: price, priceType: price is null ? "contact" : "fixed", publishedAt: published, views: views);
            seeded.Add((id, price, views, published));
        }
        var c = Uri.EscapeDataString(city);

        Assert.Equal(seeded.OrderByDescending(s => s.Published).ThenByDescending(s => s.Id).Select(s => s.Id),
            await AllPagesAsync($"city={c}", 4));
        Assert.Equal(seeded.OrderBy(s => s.Price ?? long.MaxValue).ThenBy(s => s.Id).Select(s => s.Id),
            await AllPagesAsync($"city={c}&sort=price_asc", 3));
        Assert.Equal(seeded.OrderByDescending(s => s.Price ?? -1).ThenByDescending(s => s.Id).Select(s => s.Id),
            await AllPagesAsync($"city={c}&sort=price_desc", 5));
        Assert.Equal(seeded.OrderByDescending(s => s.Views).ThenByDescending(s => s.Id).Select(s => s.Id),
            await AllPagesAsync($"city={c}&sort=popular", 2));
    }

    [Fact]
    public async Task Search_matches_title_keywords_and_description_and_ranks_title_matches_first()
    {
        var word = "zq" + string.Concat(Guid.NewGuid().ToString("N").Where(char.IsAsciiLetter).Take(10));
        var provider = await app.CreateProviderAsync();
        var city = UniqueCity();
        var inDescription = await SeedAsync(provider, city, title: "Boarding", description: $"We also offer {word} on request.");
        var inTitle = await SeedAsync(provider, city, title: $"Best {word} in town");
        var inKeywords = await SeedAsync(provider, city, title: "Training", keywords: $"{word} obedience");
        await SeedAsync(provider, city, title: "Unrelated");

        var relevance = await AllPagesAsync($"q={word}&sort=relevance", 1);
        Assert.Equal([inTitle, inKeywords, inDescription], relevance);

        var newest = Ids(await GetAsync($"q={word}"));
        Assert.Equal([inKeywords, inTitle, inDescription], newest);
    }

    [Fact]
    public async Task Relevance_needs_a_search_text()
    {
        await (await app.Client().GetAsync($"{Url}?sort=relevance")).AssertValidationError("sort");
    }

    [Theory]
    [InlineData("category=cats", "category")]
    [InlineData("priceType=free", "priceType")]
    [InlineData("sort=cheapest", "sort")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("minPriceCents=500&maxPriceCents=100", "maxPriceCents")]
    [InlineData("minPriceCents=-1", "minPriceCents")]
    public async Task Invalid_parameters_are_400(string query, string field)
    {
        await (await app.Client().GetAsync($"{Url}?{query}")).AssertValidationError(field);
    }

    [Fact]
    public async Task A_q_longer_than_200_characters_is_400()
    {
        await (await app.Client().GetAsync($"{Url}?q={new string('a', 201)}")).AssertValidationError("q");
    }

    [Fact]
    public async Task A_cursor_of_another_sort_or_a_forged_one_is_400()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        await SeedAsync(provider, city);
        await SeedAsync(provider, city);
        var page = await GetAsync($"city={Uri.EscapeDataString(city)}&limit=1");
        var cursor = page.GetProperty("nextCursor").GetString()!;

        await (await app.Client().GetAsync($"{Url}?sort=price_asc&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client().GetAsync($"{Url}?cursor=not-a-cursor")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task The_default_page_has_20_items_and_a_cursor()
    {
        var city = UniqueCity();
        var provider = await app.CreateProviderAsync();
        for (var i = 0; i < 21; i++)
        {
            await SeedAsync(provider, city);
        }
        var page = await GetAsync($"city={Uri.EscapeDataString(city)}");
        Assert.Equal(20, page.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextCursor").ValueKind);
    }
}
