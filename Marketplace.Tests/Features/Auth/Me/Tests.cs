using System.Net;
using LinqToDB;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.Me;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Me_answers_the_callers_own_profile()
    {
        var user = await app.CreateAsync(firstName: "Ada", lastName: "Lovelace");

        var json = await (await app.Client(user.AccessToken).GetAsync("/api/v1/marketplace/auth/me")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(user.Id, json.GetProperty("id").GetInt32());
        Assert.Equal(user.Email, json.GetProperty("email").GetString());
        Assert.Equal("Ada", json.GetProperty("firstName").GetString());
        Assert.True(json.GetProperty("emailVerified").GetBoolean());
        Assert.False(json.GetProperty("isProvider").GetBoolean());
        Assert.Equal("US", json.GetProperty("address").GetProperty("country").GetString());
        var body = json.GetRawText();
        Assert.DoesNotContain("passwordHash", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Token", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Me_without_a_token_is_401()
    {
        var response = await app.Client().GetAsync("/api/v1/marketplace/auth/me");
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Me_with_a_forged_token_is_401()
    {
        var user = await app.CreateAsync();
        var forged = user.AccessToken[..^4] + (user.AccessToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var response = await app.Client(forged).GetAsync("/api/v1/marketplace/auth/me");
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_revoked_session_stops_its_access_token_at_once()
    {
        var user = await app.CreateAsync();
        using (var db = app.Db())
        {
            await db.Sessions.Where(s => s.Id == user.SessionId).Set(s => s.RevokedAt, DateTime.UtcNow).Set(s => s.RevokedReason, "logout").UpdateAsync();
        }
        var response = await app.Client(user.AccessToken).GetAsync("/api/v1/marketplace/auth/me");
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task An_access_token_is_refused_once_expired()
    {
        var user = await app.CreateAsync();
        var clock = new TestClock(DateTimeOffset.UtcNow.AddMinutes(16));
        using var later = app.Isolated(clock);
        var response = await later.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/marketplace/auth/me")
        {
            Headers = { Authorization = new("Bearer", user.AccessToken) },
        });
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
