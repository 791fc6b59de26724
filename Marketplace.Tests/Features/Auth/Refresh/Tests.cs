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
    public async Task Reusing_a_spent_refresh_token_revokes_the_whole_session()
    {
        var user = await app.Client().RegisterAsync();
        var rotated = await (await app.Client().RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);

        // the old token again: someone copied it
        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "refresh_token_reused");

        // everything of that session is dead: the legitimate newer refresh token and both access tokens
        await (await app.Client().RefreshAsync(AuthApi.RefreshToken(rotated))).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await app.Client().MeAsync(AuthApi.AccessToken(rotated))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client().MeAsync(user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        using var db = app.Db();
        var session = await db.Sessions.SingleAsync(s => s.UserId == user.Id);
        Assert.Equal("refresh_token_reuse", session.RevokedReason);
    }

    [Fact]
    public async Task Two_concurrent_refreshes_with_one_token_cannot_both_win()
    {
        var user = await app.Client().RegisterAsync();

        var responses = await Task.WhenAll(app.Client().RefreshAsync(user.RefreshToken), app.Client().RefreshAsync(user.RefreshToken));

        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) <= 1);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Unauthorized);
        using var db = app.Db();
        Assert.NotNull((await db.Sessions.SingleAsync(s => s.UserId == user.Id)).RevokedAt);
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
