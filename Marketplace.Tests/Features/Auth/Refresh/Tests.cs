using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.Refresh;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Refreshing_rotates_the_refresh_token_and_keeps_the_session()
    {
        var user = await app.Client().RegisterAsync();

        var json = await (await app.Client().RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        var newRefresh = AuthApi.RefreshToken(json);
        Assert.NotEqual(user.RefreshToken, newRefresh);
        Assert.Equal(user.Id, json.GetProperty("user").GetProperty("id").GetInt32());
        await (await app.Client().MeAsync(AuthApi.AccessToken(json))).AssertJson(HttpStatusCode.OK);
        // the new one works in turn
        await (await app.Client().RefreshAsync(newRefresh)).AssertJson(HttpStatusCode.OK);

        using var db = app.Db();
        var hash = Marketplace.Api.Infrastructure.Secrets.Hash(user.RefreshToken);
        var first = await db.RefreshTokens.SingleAsync(t => t.TokenHash == hash);
        Assert.NotNull(first.UsedAt);
        Assert.Equal(3, await db.RefreshTokens.CountAsync(t => t.SessionId == first.SessionId));
    }

    [Fact]
    public async Task Reusing_a_spent_refresh_token_after_the_grace_window_revokes_the_whole_session()
    {
        var user = await app.Client().RegisterAsync();
        var clock = new TestClock();
        using var host = app.Isolated(clock);
        var client = host.CreateClient();
        var rotated = await (await client.RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        // the old token again, 31 s later: someone copied it
        clock.Advance(TimeSpan.FromSeconds(31));
        await (await client.RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "refresh_token_reused");

        // everything of that session is dead: the legitimate newer refresh token and both access tokens
        await (await client.RefreshAsync(AuthApi.RefreshToken(rotated))).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await client.MeAsync(AuthApi.AccessToken(rotated))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await client.MeAsync(user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        using var db = app.Db();
        var session = await db.Sessions.SingleAsync(s => s.UserId == user.Id);
        Assert.Equal("refresh_token_reuse", session.RevokedReason);
    }

    [Fact]
    public async Task Within_the_grace_window_a_just_rotated_token_answers_the_same_new_refresh_token()
    {
        var user = await app.Client().RegisterAsync();
        var clock = new TestClock();
        using var host = app.Isolated(clock);
        var client = host.CreateClient();
        var first = await (await client.RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        clock.Advance(TimeSpan.FromSeconds(29));
        var again = await (await client.RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(AuthApi.RefreshToken(first), AuthApi.RefreshToken(again));
        await (await client.MeAsync(AuthApi.AccessToken(again))).AssertJson(HttpStatusCode.OK);
        // the successor is stored as a hash only, once
        using var db = app.Db();
        var session = await db.Sessions.SingleAsync(s => s.UserId == user.Id);
        Assert.Null(session.RevokedAt);
        Assert.Equal(2, await db.RefreshTokens.CountAsync(t => t.SessionId == session.Id));
        // and the successor works in turn
        await (await client.RefreshAsync(AuthApi.RefreshToken(again))).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Once_the_successor_was_used_the_old_token_is_a_reuse_even_within_the_grace_window()
    {
        var user = await app.Client().RegisterAsync();
        var second = AuthApi.RefreshToken(await (await app.Client().RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK));
        await (await app.Client().RefreshAsync(second)).AssertJson(HttpStatusCode.OK);

        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "refresh_token_reused");

        using var db = app.Db();
        Assert.Equal("refresh_token_reuse", (await db.Sessions.SingleAsync(s => s.UserId == user.Id)).RevokedReason);
    }

    [Fact]
    public async Task The_grace_window_is_configurable()
    {
        var user = await app.Client().RegisterAsync();
        var clock = new TestClock();
        using var host = app.Isolated(clock, new Dictionary<string, string?> { ["Marketplace:Auth:RefreshGraceSeconds"] = "0" });
        var client = host.CreateClient();
        await (await client.RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        clock.Advance(TimeSpan.FromSeconds(1));
        await (await client.RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "refresh_token_reused");
    }

    [Fact]
    public async Task Ten_concurrent_refreshes_of_one_token_all_get_the_same_new_refresh_token_and_the_session_lives()
    {
        for (var round = 0; round < 3; round++)
        {
            var user = await app.Client().RegisterAsync();

            var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.Client().RefreshAsync(user.RefreshToken)));

            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.All(s => s == 200), $"round {round}: {string.Join(", ", statuses)}");
            var bodies = await Task.WhenAll(responses.Select(r => r.AssertJson(HttpStatusCode.OK)));
            Assert.Single(bodies.Select(AuthApi.RefreshToken).Distinct());
            foreach (var body in bodies)
            {
                await (await app.Client().MeAsync(AuthApi.AccessToken(body))).AssertJson(HttpStatusCode.OK);
            }
            await (await app.Client().RefreshAsync(AuthApi.RefreshToken(bodies[0]))).AssertJson(HttpStatusCode.OK);
            using var db = app.Db();
            Assert.Null((await db.Sessions.SingleAsync(s => s.UserId == user.Id)).RevokedAt);
        }
    }

    [Fact]
    public async Task An_unknown_refresh_token_is_401()
    {
        await (await app.Client().RefreshAsync(Marketplace.Api.Infrastructure.Secrets.NewToken()))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task A_refresh_token_past_the_sessions_30_days_is_401()
    {
        var user = await app.Client().RegisterAsync();
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddDays(30).AddMinutes(1)));

        await (await later.CreateClient().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task The_refresh_token_of_a_logged_out_session_is_401()
    {
        var user = await app.Client().RegisterAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client().PostAsync("logout", new { }, user.AccessToken)).StatusCode);

        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task A_suspended_account_cannot_refresh()
    {
        var user = await app.Client().RegisterAsync();
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == user.Id).Set(u => u.Status, "suspended").UpdateAsync();
        }

        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Forbidden, "account_suspended");
    }

    [Fact]
    public async Task A_missing_refresh_token_is_a_400()
    {
        await (await app.Client().PostJson($"{AuthApi.Base}/refresh", new { refreshToken = "" })).AssertValidationError("refreshToken");
    }
}
