using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using static Marketplace.Tests.Infrastructure.TestThreads;

namespace Marketplace.Tests.Features.Messages.GetThread;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_participant_reads_the_messages_newest_first_page_by_page()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync(businessName: "Paw Spa");
        var id = await app.StartThreadAsync(client, provider, body: "m1");
        await Send(provider.Owner, id, "m2");
        await Send(client, id, "m3");
        await Send(provider.Owner, id, "m4");
        await Send(client, id, "m5");

        var first = await (await app.Client(client.AccessToken).GetAsync($"{ThreadUrl(id)}?limit=2")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(id, first.GetProperty("id").GetInt32());
        Assert.Equal("client", first.GetProperty("role").GetString());
        Assert.Equal("Paw Spa", first.GetProperty("otherParty").GetProperty("name").GetString());
        var bodies = new List<string>();
        var page = first.GetProperty("messages");
        var mine = page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("mine").GetBoolean()).ToList();
        Assert.Equal([true, false], mine);
        while (true)
        {
            bodies.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()!));
            var cursor = page.GetProperty("nextCursor").GetString();
            if (cursor is null)
            {
                break;
            }
            page = (await (await app.Client(client.AccessToken).GetAsync($"{ThreadUrl(id)}?limit=2&cursor={cursor}")).AssertJson(HttpStatusCode.OK))
                .GetProperty("messages");
        }
        Assert.Equal(["m5", "m4", "m3", "m2", "m1"], bodies);
    }

    [Fact]
    public async Task Reading_marks_the_thread_read_for_the_reader_only()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider, body: "One");
        await Send(client, id, "Two");
        await Send(provider.Owner, id, "Reply");
        await Send(provider.Owner, id, "Another reply");
        Assert.Equal(2, await app.UnreadCountAsync(client, id));

        var json = await (await app.Client(client.AccessToken).GetAsync(ThreadUrl(id))).AssertJson(HttpStatusCode.OK);

        Assert.Equal(0, await app.UnreadCountAsync(client, id));
        using var db = app.Db();
        var thread = await db.MessageThreads.SingleAsync(t => t.Id == id);
        Assert.Equal(0, thread.ClientUnreadCount);
        Assert.NotNull(thread.ClientLastReadAt);
        Assert.Equal(0, thread.ProviderUnreadCount); // the provider's replies count as having read
        // the provider sees when the client last read the thread
        var seenByProvider = await (await app.Client(provider.Owner.AccessToken).GetAsync(ThreadUrl(id))).AssertJson(HttpStatusCode.OK);
        Assert.Equal(thread.ClientLastReadAt, seenByProvider.GetProperty("otherPartyLastReadAt").GetDateTime().ToUniversalTime());
        Assert.Equal("provider", seenByProvider.GetProperty("role").GetString());
        Assert.Equal(JsonValueKindNull, json.GetProperty("messages").GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Anyone_but_the_two_participants_gets_404()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider);
        var stranger = await app.CreateAsync();
        var otherProvider = await app.CreateProviderAsync();

        await (await app.Client(stranger.AccessToken).GetAsync(ThreadUrl(id))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(otherProvider.Owner.AccessToken).GetAsync(ThreadUrl(id))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(client.AccessToken).GetAsync(ThreadUrl(int.MaxValue))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        // an outsider's look does not mark anything read
        using var db = app.Db();
        Assert.Equal(1, await db.MessageThreads.Where(t => t.Id == id).Select(t => t.ProviderUnreadCount).SingleAsync());
    }

    [Fact]
    public async Task Paging_rules_apply_to_the_messages()
    {
        var client = await app.CreateAsync();
        var id = await app.StartThreadAsync(client, await app.CreateProviderAsync());

        await (await app.Client(client.AccessToken).GetAsync($"{ThreadUrl(id)}?limit=101")).AssertValidationError("limit");
        await (await app.Client(client.AccessToken).GetAsync($"{ThreadUrl(id)}?cursor=bogus")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task Reading_a_thread_needs_a_token()
    {
        var client = await app.CreateAsync();
        var id = await app.StartThreadAsync(client, await app.CreateProviderAsync());

        await (await app.Client().GetAsync(ThreadUrl(id))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private async Task Send(TestUser sender, int threadId, string body) =>
        await (await app.Client(sender.AccessToken).PostJson(MessagesUrl(threadId), new { body })).AssertJson(HttpStatusCode.Created);

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
