using System.Net;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.MyListings;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/me/listings";

    [Fact]
    public async Task A_provider_lists_all_its_listings_in_any_status_in_pages()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        await app.CreateListingAsync(other);
        var draft = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var active = (await app.CreatePublishedListingAsync(owner)).GetProperty("id").GetInt32();
        var deleted = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);
        await client.DeleteAsync($"/api/v1/marketplace/listings/{deleted}");

        var first = await (await client.GetAsync($"{Url}?limit=1")).AssertJson(HttpStatusCode.OK);
        var second = await (await client.GetAsync($"{Url}?limit=1&cursor={first.GetProperty("nextCursor").GetString()}")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(active, first.GetProperty("items")[0].GetProperty("id").GetInt32());
        Assert.Equal(draft, second.GetProperty("items")[0].GetProperty("id").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var drafts = await (await client.GetAsync($"{Url}?status=draft")).AssertJson(HttpStatusCode.OK);
        Assert.Equal([draft], drafts.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task An_unknown_status_is_400()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        await (await app.Client(owner.AccessToken).GetAsync($"{Url}?status=gone")).AssertValidationError("status");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}
