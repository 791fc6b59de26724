using System.Net;
using Marketplace.Tests.Features.Admin;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Messages.CloseThread;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"{TestThreads.ThreadUrl(id)}/close";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Either_party_closes_a_thread_and_sending_to_it_is_then_409_thread_closed(bool byClient)
    {
        var provider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();
        var id = await app.StartThreadAsync(buyer, provider);
        var closer = app.Client(byClient ? buyer.AccessToken : provider.Owner.AccessToken);

        var json = await (await closer.PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("closed", json.GetProperty("status").GetString());
        Assert.Equal(byClient ? "client" : "provider", json.GetProperty("closedBy").GetString());
        Assert.Equal(["thread.closed"], app.EventTypesOf("thread", id));
        foreach (var sender in new[] { buyer.AccessToken, provider.Owner.AccessToken })
        {
            await (await app.Client(sender).PostJson(TestThreads.MessagesUrl(id), new { body = "Still there?" }))
                .AssertProblem(HttpStatusCode.Conflict, "thread_closed");
        }
        await (await closer.PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        // the same topic opens a new thread
        Assert.NotEqual(id, await app.StartThreadAsync(buyer, provider));
    }

    [Fact]
    public async Task A_stranger_gets_404_and_no_token_401()
    {
        var provider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();
        var stranger = await app.CreateAsync();
        var id = await app.StartThreadAsync(buyer, provider);
        await (await app.Client(stranger.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
