using System.Net;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.List;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = TestBookings.Api + "/transactions";

    private static List<long> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64())];

    [Fact]
    public async Task A_user_sees_their_bookings_as_client_and_as_provider_newest_first_and_nobody_elses()
    {
        var provider = await app.CreateProviderAsync();
        var first = await app.BookAsync(provider: provider);
        var second = await app.BookAsync(provider: provider);
        // the provider's owner also books someone else's service as a client
        var other = await app.CreateProviderAsync();
        var otherListing = await app.CreateListingAsync(other);
        var asOwner = app.Client(provider.Owner.AccessToken);
        var own = (await (await asOwner.PostJson(Url, new { listingId = otherListing })).AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();

        var all = await (await asOwner.GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal([own, second.TransactionId, first.TransactionId], Ids(all));
        Assert.Equal(["client", "provider", "provider"], all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("role").GetString()));
        Assert.Equal([second.TransactionId, first.TransactionId], Ids(await (await asOwner.GetAsync(Url + "?role=provider")).AssertJson(HttpStatusCode.OK)));
        Assert.Equal([own], Ids(await (await asOwner.GetAsync(Url + "?role=client")).AssertJson(HttpStatusCode.OK)));

        Assert.Equal([first.TransactionId], Ids(await (await first.ClientApi(app).GetAsync(Url)).AssertJson(HttpStatusCode.OK)));
        Assert.Empty(Ids(await (await first.ClientApi(app).GetAsync(Url + "?role=provider")).AssertJson(HttpStatusCode.OK)));
    }

    [Fact]
    public async Task Status_filters_and_keyset_pages_walk_the_whole_list_once()
    {
        var provider = await app.CreateProviderAsync();
        var bookings = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            bookings.Add((await app.BookAsync(provider: provider)).TransactionId);
        }
        var pending = await app.CreateListingAsync(provider, "active", "contact", null);
        var requester = await app.CreateAsync();
        var pendingId = (await (await app.Client(requester.AccessToken).PostJson(Url, new { listingId = pending })).AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var asProvider = app.Client(provider.Owner.AccessToken);

        Assert.Equal([pendingId], Ids(await (await asProvider.GetAsync(Url + "?status=pending")).AssertJson(HttpStatusCode.OK)));

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await (await asProvider.GetAsync($"{Url}?status=invoiced&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}")).AssertJson(HttpStatusCode.OK);
            Assert.InRange(page.GetProperty("items").GetArrayLength(), 1, 2);
            seen.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(bookings), seen);
    }

    [Theory]
    [InlineData("?role=admin", "role")]
    [InlineData("?status=done", "status")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    public async Task Unknown_filters_are_a_400(string query, string field)
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync(Url + query)).AssertValidationError(field);
    }

    [Fact]
    public async Task A_forged_cursor_is_400_and_no_token_is_401()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync(Url + "?cursor=nonsense")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client().GetAsync(Url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
