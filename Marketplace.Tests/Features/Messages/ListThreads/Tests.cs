using System.Net;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;
using static Marketplace.Tests.Infrastructure.TestThreads;

namespace Marketplace.Tests.Features.Messages.ListThreads;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task My_threads_as_client_and_as_provider_come_newest_activity_first_with_the_other_party_and_my_unread_count()
    {
        // the owner of "Grooming Co" is also a client of "Vet Co"
        var me = await app.CreateProviderAsync(businessName: "Grooming Co");
        var vet = await app.CreateProviderAsync(businessName: "Vet Co");
        var customer = await app.CreateAsync(firstName: "Alan", lastName: "Turing");
        var asClient = await app.StartThreadAsync(me.Owner, vet, body: "Vaccination appointment?");
        var asProvider = await app.StartThreadAsync(customer, me, body: "Can you groom a poodle?");
        await (await app.Client(customer.AccessToken).PostJson(MessagesUrl(asProvider), new { body = "It is a big poodle." }))
            .AssertJson(HttpStatusCode.Created);

        var page = await (await app.Client(me.Owner.AccessToken).GetAsync(ThreadsUrl)).AssertJson(HttpStatusCode.OK);

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([asProvider, asClient], items.Select(i => i.GetProperty("id").GetInt32()));
        Assert.Equal(JsonNull, page.GetProperty("nextCursor").ValueKind);

        var provided = items[0];
        Assert.Equal("provider", provided.GetProperty("role").GetString());
        Assert.Equal("client", provided.GetProperty("otherParty").GetProperty("role").GetString());
        Assert.Equal("Alan Turing", provided.GetProperty("otherParty").GetProperty("name").GetString());
        Assert.Equal(customer.Id, provided.GetProperty("otherParty").GetProperty("id").GetInt32());
        Assert.Equal("It is a big poodle.", provided.GetProperty("lastMessagePreview").GetString());
        Assert.Equal(2, provided.GetProperty("unreadCount").GetInt32());

        var bought = items[1];
        Assert.Equal("client", bought.GetProperty("role").GetString());
        Assert.Equal("Vet Co", bought.GetProperty("otherParty").GetProperty("name").GetString());
        Assert.Equal(vet.Id, bought.GetProperty("otherParty").GetProperty("id").GetInt32());
        Assert.Equal("Vaccination appointment?", bought.GetProperty("lastMessagePreview").GetString());
        Assert.Equal(0, bought.GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task Keyset_pages_walk_every_thread_once_in_activity_order()
    {
        var client = await app.CreateAsync();
        var threads = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            threads.Add(await app.StartThreadAsync(client, await app.CreateProviderAsync()));
        }
        // activity moves the oldest thread to the top
        await (await app.Client(client.AccessToken).PostJson(MessagesUrl(threads[0]), new { body = "Bump" })).AssertJson(HttpStatusCode.Created);
        var expected = new[] { threads[0], threads[4], threads[3], threads[2], threads[1] };

        var seen = new List<int>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"{ThreadsUrl}?limit=2" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await (await app.Client(client.AccessToken).GetAsync(url)).AssertJson(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Other_peoples_threads_are_not_listed()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        await app.StartThreadAsync(client, provider);
        var outsider = await app.CreateProviderAsync();

        var page = await (await app.Client(outsider.Owner.AccessToken).GetAsync(ThreadsUrl)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_list_is_one_query()
    {
        var client = await app.CreateAsync();
        await app.StartThreadAsync(client, await app.CreateProviderAsync());
        await app.StartThreadAsync(client, await app.CreateProviderAsync());
        var me = new Marketplace.Api.Infrastructure.CurrentUser(client.Id, client.SessionId, client.Email, true, null, null);

        var statements = 0;
        var options = new DataOptions()
            .UsePostgreSQL(new Npgsql.NpgsqlConnectionStringBuilder(app.ConnectionString) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15)
            .UseTracing(System.Diagnostics.TraceLevel.Info, info =>
            {
                if (info.TraceInfoStep == TraceInfoStep.BeforeExecute)
                {
                    Interlocked.Increment(ref statements);
                }
            });
        using var db = new Db(new DataOptions<Db>(options));
        var rows = await Marketplace.Api.Features.Messages.ListThreads.Data.PageAsync(db, me, null, 21, CancellationToken.None);

        Assert.Equal(2, rows.Count);
        Assert.Equal(1, statements);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    public async Task A_limit_outside_1_to_100_is_rejected(string query, string field)
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).GetAsync($"{ThreadsUrl}?{query}");
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task A_forged_cursor_is_400_invalid_cursor()
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).GetAsync($"{ThreadsUrl}?cursor=not-a-cursor");
        await response.AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task Listing_threads_needs_a_token()
    {
        var response = await app.Client().GetAsync(ThreadsUrl);
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private const System.Text.Json.JsonValueKind JsonNull = System.Text.Json.JsonValueKind.Null;
}
