using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.SavedListings.List;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/saved-listings";

    [Fact]
    public async Task Saved_listings_come_newest_first_in_pages_and_hide_inactive_ones_without_forgetting_them()
    {
        var provider = await app.CreateProviderAsync(businessName: "Saved Provider");
        var listings = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            listings.Add(await app.CreateListingAsync(provider));
        }
        var user = await app.CreateAsync();
        var client = app.Client(user.AccessToken);
        foreach (var id in listings)
        {
            await client.PostAsync($"/api/v1/marketplace/listings/{id}/save", null);
        }
        using (var db = app.Db())
        {
            // equal savedAt for two rows: the id breaks the tie
            var at = DateTime.UtcNow.AddMinutes(-5);
            await db.SavedListings.Where(s => s.UserId == user.Id && (s.ListingId == listings[0] || s.ListingId == listings[1])).Set(s => s.SavedAt, at).UpdateAsync();
            await db.Listings.Where(l => l.Id == listings[2]).Set(l => l.Status, "paused").UpdateAsync();
        }

        var first = await (await client.GetAsync($"{Url}?limit=2")).AssertJson(HttpStatusCode.OK);
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await (await client.GetAsync($"{Url}?limit=2&cursor={cursor}")).AssertJson(HttpStatusCode.OK);

        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("listingId").GetInt32()).ToList();
        Assert.Equal([listings[4], listings[3], listings[1], listings[0]], ids);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal("Saved Provider", first.GetProperty("items")[0].GetProperty("provider").GetProperty("businessName").GetString());

        using var check = app.Db();
        Assert.True(await check.SavedListings.AnyAsync(s => s.UserId == user.Id && s.ListingId == listings[2]));
    }

    [Fact]
    public async Task Another_users_saved_listings_are_not_shown()
    {
        var provider = await app.CreateProviderAsync();
        var listing = await app.CreateListingAsync(provider);
        var saver = await app.CreateAsync();
        await app.Client(saver.AccessToken).PostAsync($"/api/v1/marketplace/listings/{listing}/save", null);
        var other = await app.CreateAsync();
        var page = await (await app.Client(other.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().GetAsync(Url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_forged_cursor_is_400()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync($"{Url}?cursor=zzz")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }
}
