using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.Logout;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Logging_out_stops_the_access_token_on_the_very_next_request()
    {
        var user = await app.Client().RegisterAsync();
        await (await app.Client().MeAsync(user.AccessToken)).AssertJson(HttpStatusCode.OK);

        var response = await app.Client().PostAsync("logout", new { }, user.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Client().MeAsync(user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        using var db = app.Db();
        var session = await db.Sessions.SingleAsync(s => s.UserId == user.Id);
        Assert.Equal("logout", session.RevokedReason);
        Assert.NotNull(session.RevokedAt);
    }

    [Fact]
    public async Task Logging_out_ends_only_the_callers_session()
    {
        var user = await app.Client().RegisterAsync();
        var other = AuthApi.AccessToken(await (await app.Client().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK));

        await app.Client().PostAsync("logout", new { }, user.AccessToken);

        await (await app.Client().MeAsync(other)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Logout_without_a_token_is_401()
    {
        await (await app.Client().PostAsync("logout", new { }, null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Logging_out_twice_is_401_the_second_time()
    {
        var user = await app.Client().RegisterAsync();
        await app.Client().PostAsync("logout", new { }, user.AccessToken);

        await (await app.Client().PostAsync("logout", new { }, user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
