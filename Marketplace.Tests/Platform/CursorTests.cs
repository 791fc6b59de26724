using System.Net;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>A cursor opens only the list and the filters it was made for; anything else is 400 invalid_cursor.</summary>
public sealed class CursorTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = "/api/v1/marketplace";

    private static string Cursor(JsonElement page) => page.GetProperty("nextCursor").GetString()!;

    [Fact]
    public async Task A_browse_cursor_on_another_list_is_a_400_invalid_cursor()
    {
        var provider = await app.CreateProviderAsync();
        await app.CreateListingAsync(provider);
        await app.CreateListingAsync(provider);
        var browse = await (await app.Client().GetAsync($"{Api}/listings?limit=1&providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
        var cursor = Uri.EscapeDataString(Cursor(browse));
        var user = await app.CreateAsync();
        var http = app.Client(user.AccessToken);

        foreach (var list in new[] { "/transactions", "/saved-listings", "/messages/threads", $"/providers/{provider.Id}/reviews" })
        {
            await (await http.GetAsync($"{Api}{list}?cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        }
    }

    [Fact]
    public async Task A_cursor_with_other_filters_is_a_400_invalid_cursor()
    {
        var provider = await app.CreateProviderAsync();
        await app.CreateListingAsync(provider);
        await app.CreateListingAsync(provider);
        var browse = await (await app.Client().GetAsync($"{Api}/listings?limit=1&providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
        var cursor = Uri.EscapeDataString(Cursor(browse));

        await (await app.Client().GetAsync($"{Api}/listings?limit=1&providerId={provider.Id}&cursor={cursor}")).AssertJson(HttpStatusCode.OK);
        await (await app.Client().GetAsync($"{Api}/listings?limit=1&providerId={provider.Id}&category=training&cursor={cursor}"))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client().GetAsync($"{Api}/listings?limit=1&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client().GetAsync($"{Api}/listings?limit=1&providerId={provider.Id}&sort=popular&cursor={cursor}"))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task A_transactions_cursor_of_another_status_or_another_user_is_a_400_invalid_cursor()
    {
        var provider = await app.CreateProviderAsync();
        var client = await app.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await app.CreateTransactionAsync(client, provider, status: "completed");
        }
        var http = app.Client(client.AccessToken);
        var page = await (await http.GetAsync($"{Api}/transactions?limit=1&status=completed")).AssertJson(HttpStatusCode.OK);
        var cursor = Uri.EscapeDataString(Cursor(page));

        await (await http.GetAsync($"{Api}/transactions?limit=1&status=paid&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await http.GetAsync($"{Api}/transactions?limit=1&cursor={cursor}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await app.Client(provider.Owner.AccessToken).GetAsync($"{Api}/transactions?limit=1&status=completed&cursor={cursor}"))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task A_tampered_cursor_is_a_400_invalid_cursor()
    {
        var provider = await app.CreateProviderAsync();
        var client = await app.CreateAsync();
        await app.CreateTransactionAsync(client, provider);
        await app.CreateTransactionAsync(client, provider);
        var http = app.Client(client.AccessToken);
        var cursor = Cursor(await (await http.GetAsync($"{Api}/transactions?limit=1")).AssertJson(HttpStatusCode.OK));

        // the position moved by one id, the signature kept
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        var position = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(cursor.AsSpan(0, dot))).RootElement;
        var moved = System.Buffers.Text.Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new
        {
            createdAt = position.GetProperty("createdAt").GetDateTime(),
            id = position.GetProperty("id").GetInt64() + 1,
        }));
        await (await http.GetAsync($"{Api}/transactions?limit=1&cursor={Uri.EscapeDataString(moved + cursor[dot..])}"))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await http.GetAsync($"{Api}/transactions?limit=1&cursor={Uri.EscapeDataString(cursor[..dot])}"))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task Paging_with_signed_cursors_walks_every_row_once()
    {
        var provider = await app.CreateProviderAsync();
        var client = await app.CreateAsync();
        var made = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            made.Add(await app.CreateTransactionAsync(client, provider, status: i % 2 == 0 ? "completed" : "pending"));
        }
        var http = app.Client(client.AccessToken);

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await (await http.GetAsync($"{Api}/transactions?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"))
                .AssertJson(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(made.OrderDescending(), seen);
    }
}
