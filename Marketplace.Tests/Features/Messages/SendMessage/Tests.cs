using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using static Marketplace.Tests.Infrastructure.TestThreads;

namespace Marketplace.Tests.Features.Messages.SendMessage;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_reply_moves_the_threads_activity_and_the_other_sides_unread_count()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync(businessName: "Bark Avenue");
        var id = await app.StartThreadAsync(client, provider, body: "Is Saturday free?");
        DateTime before;
        using (var db = app.Db())
        {
            before = (await db.MessageThreads.SingleAsync(t => t.Id == id)).LastMessageAt!.Value;
        }

        var json = await (await app.Client(provider.Owner.AccessToken).PostJson(MessagesUrl(id), new { body = "  Yes,\n10 am works.  " }))
            .AssertJson(HttpStatusCode.Created);

        Assert.Equal("Yes,\n10 am works.", json.GetProperty("body").GetString());
        Assert.Equal(provider.Owner.Id, json.GetProperty("senderId").GetInt32());
        Assert.Equal(id, json.GetProperty("threadId").GetInt32());
        using (var db = app.Db())
        {
            var thread = await db.MessageThreads.SingleAsync(t => t.Id == id);
            Assert.True(thread.LastMessageAt > before);
            Assert.Equal("Yes, 10 am works.", thread.LastMessagePreview);
            Assert.Equal(1, thread.ClientUnreadCount);
            Assert.Equal(0, thread.ProviderUnreadCount);
            Assert.NotNull(thread.ProviderLastReadAt);
            var mail = await db.Outbox.SingleAsync(m => m.ToAddress == client.Email);
            Assert.Equal("new_message", mail.Kind);
            Assert.Contains("Bark Avenue", mail.Subject, StringComparison.Ordinal);
            Assert.Contains("Yes, 10 am works.", mail.TextBody, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unread_counts_are_kept_for_both_sides_through_a_conversation()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider, body: "Hello");
        await Send(client, id, "Are you there?");
        await Send(client, id, "Hello??");

        Assert.Equal((0, 3), (await app.UnreadCountAsync(client, id), await app.UnreadCountAsync(provider.Owner, id)));

        await (await app.Client(provider.Owner.AccessToken).GetAsync(ThreadUrl(id))).AssertJson(HttpStatusCode.OK);
        Assert.Equal((0, 0), (await app.UnreadCountAsync(client, id), await app.UnreadCountAsync(provider.Owner, id)));

        await Send(provider.Owner, id, "Sorry, here now.");
        await Send(provider.Owner, id, "Saturday is fine.");
        Assert.Equal((2, 0), (await app.UnreadCountAsync(client, id), await app.UnreadCountAsync(provider.Owner, id)));

        await Send(client, id, "Great, thanks!");
        Assert.Equal((0, 1), (await app.UnreadCountAsync(client, id), await app.UnreadCountAsync(provider.Owner, id)));
    }

    [Fact]
    public async Task Concurrent_messages_all_count_as_unread()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider);

        var responses = await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = $"message {i}" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        using var db = app.Db();
        Assert.Equal(9, await db.MessageThreads.Where(t => t.Id == id).Select(t => t.ProviderUnreadCount).SingleAsync());
        Assert.Equal(9, await db.Messages.CountAsync(m => m.ThreadId == id));
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == provider.Owner.Email));
    }

    [Fact]
    public async Task The_other_participant_gets_at_most_one_mail_per_15_minutes_while_messages_are_unread()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var clock = new TestClock(DateTimeOffset.UtcNow);
        using var host = app.Isolated(clock);

        var start = await (await host.ClientFor(client).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "First" })).AssertJson(HttpStatusCode.Created);
        var id = start.GetProperty("id").GetInt32();
        async Task Post(TestUser who, string body) =>
            await (await host.ClientFor(who).PostJson(MessagesUrl(id), new { body })).AssertJson(HttpStatusCode.Created);
        async Task<int> MailsTo(TestUser who)
        {
            using var db = app.Db();
            return await db.Outbox.CountAsync(m => m.ToAddress == who.Email && m.Kind == "new_message");
        }

        Assert.Equal(1, await MailsTo(provider.Owner));

        clock.Advance(TimeSpan.FromMinutes(5));
        await Post(client, "Second");
        clock.Advance(TimeSpan.FromMinutes(9)); // 14 minutes after the mail
        await Post(client, "Third");
        Assert.Equal(1, await MailsTo(provider.Owner));

        clock.Advance(TimeSpan.FromMinutes(1)); // 15 minutes after the mail, still unread
        await Post(client, "Fourth");
        Assert.Equal(2, await MailsTo(provider.Owner));

        clock.Advance(TimeSpan.FromMinutes(1));
        await Post(client, "Fifth");
        Assert.Equal(2, await MailsTo(provider.Owner));

        // once the provider has read everything, the next message is news again
        await (await host.ClientFor(provider.Owner).GetAsync(ThreadUrl(id))).AssertJson(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Post(client, "Sixth");
        Assert.Equal(3, await MailsTo(provider.Owner));

        // each recipient has their own throttle
        await Post(provider.Owner, "Reply one");
        await Post(provider.Owner, "Reply two");
        Assert.Equal(1, await MailsTo(client));
    }

    [Fact]
    public async Task A_flood_of_messages_is_429_with_retry_after_until_the_minute_has_passed()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var clock = new TestClock(DateTimeOffset.UtcNow);
        using var host = app.Isolated(clock, new Dictionary<string, string?> { ["Marketplace:RateLimiting:MessagesPerMinute"] = "3" });
        var start = await (await host.ClientFor(client).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "One" })).AssertJson(HttpStatusCode.Created);
        var id = start.GetProperty("id").GetInt32();
        clock.Advance(TimeSpan.FromSeconds(20));
        await (await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Two" })).AssertJson(HttpStatusCode.Created);
        await (await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Three" })).AssertJson(HttpStatusCode.Created);

        var limited = await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Four" });
        var startLimited = await host.ClientFor(client).PostJson(ThreadsUrl, new { providerId = (await app.CreateProviderAsync()).Id, body = "Elsewhere" });

        await limited.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(TimeSpan.FromSeconds(40), limited.Headers.RetryAfter?.Delta);
        await startLimited.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        using (var db = app.Db())
        {
            Assert.Equal(3, await db.Messages.CountAsync(m => m.SenderId == client.Id));
        }
        // the other participant is not limited by the client's flood
        await (await host.ClientFor(provider.Owner).PostJson(MessagesUrl(id), new { body = "Slow down" })).AssertJson(HttpStatusCode.Created);

        clock.Advance(TimeSpan.FromSeconds(40)); // "One" left the window
        await (await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Four" })).AssertJson(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_flood_limit_holds_under_concurrent_requests()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:RateLimiting:MessagesPerMinute"] = "4" });
        var id = (await (await host.ClientFor(client).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "One" })).AssertJson(HttpStatusCode.Created))
            .GetProperty("id").GetInt32();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => host.ClientFor(client).PostJson(MessagesUrl(id), new { body = $"burst {i}" })));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task With_rate_limiting_switched_off_there_is_no_flood_limit()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:RateLimiting:MessagesPerMinute"] = "1",
            ["Marketplace:RateLimiting:Enabled"] = "false",
        });
        var id = (await (await host.ClientFor(client).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "One" })).AssertJson(HttpStatusCode.Created))
            .GetProperty("id").GetInt32();

        await (await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Two" })).AssertJson(HttpStatusCode.Created);
        await (await host.ClientFor(client).PostJson(MessagesUrl(id), new { body = "Three" })).AssertJson(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Only_the_two_participants_can_write_to_a_thread()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider);
        var stranger = await app.CreateAsync();
        var otherProvider = await app.CreateProviderAsync();

        await (await app.Client(stranger.AccessToken).PostJson(MessagesUrl(id), new { body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(otherProvider.Owner.AccessToken).PostJson(MessagesUrl(id), new { body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(client.AccessToken).PostJson(MessagesUrl(int.MaxValue), new { body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ThreadId == id));
    }

    [Fact]
    public async Task A_closed_thread_takes_no_more_messages()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider);
        using (var db = app.Db())
        {
            await db.MessageThreads.Where(t => t.Id == id).Set(t => t.Status, "closed").UpdateAsync();
        }

        var response = await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = "Still there?" });

        await response.AssertProblem(HttpStatusCode.Conflict, "thread_closed");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public async Task An_empty_body_is_rejected(string? body)
    {
        var client = await app.CreateAsync();
        var id = await app.StartThreadAsync(client, await app.CreateProviderAsync());

        var response = await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body });

        await response.AssertValidationError("body");
    }

    [Fact]
    public async Task A_body_over_5000_characters_is_rejected_but_5000_emoji_are_fine()
    {
        var client = await app.CreateAsync();
        var id = await app.StartThreadAsync(client, await app.CreateProviderAsync());
        var emoji = string.Concat(Enumerable.Repeat("🐶", 5000));

        await (await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = new string('a', 5001) })).AssertValidationError("body");
        await (await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = emoji + "🐶" })).AssertValidationError("body");
        var json = await (await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = emoji })).AssertJson(HttpStatusCode.Created);
        Assert.Equal(emoji, json.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Sending_needs_a_token_and_a_verified_email()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.StartThreadAsync(client, provider);
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == client.Id).Set(u => u.EmailVerified, false).UpdateAsync();
        }

        await (await app.Client().PostJson(MessagesUrl(id), new { body = "Hi" })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client(client.AccessToken).PostJson(MessagesUrl(id), new { body = "Hi" })).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }

    private async Task Send(TestUser sender, int threadId, string body) =>
        await (await app.Client(sender.AccessToken).PostJson(MessagesUrl(threadId), new { body })).AssertJson(HttpStatusCode.Created);
}
