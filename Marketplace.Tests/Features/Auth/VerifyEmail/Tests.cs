using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.VerifyEmail;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_token_from_the_mail_verifies_the_address()
    {
        var user = await app.Client().RegisterAsync();
        var token = await app.Smtp.WaitForVerificationTokenAsync(user.Email);

        var response = await app.Client().PostAsync("verify-email", new { token }, null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var me = await (await app.Client().MeAsync(user.AccessToken)).AssertJson(HttpStatusCode.OK);
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        using var db = app.Db();
        var row = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.Null(row.EmailVerifyToken);
        Assert.Null(row.EmailVerifyExpires);
    }

    [Fact]
    public async Task A_token_works_only_once()
    {
        var user = await app.Client().RegisterAsync();
        var token = await app.Smtp.WaitForVerificationTokenAsync(user.Email);
        await app.Client().PostAsync("verify-email", new { token }, null);

        await (await app.Client().PostAsync("verify-email", new { token }, null)).AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
    }

    [Fact]
    public async Task A_token_older_than_24_hours_has_expired()
    {
        var user = await app.Client().RegisterAsync();
        var token = await app.Smtp.WaitForVerificationTokenAsync(user.Email);
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddHours(24).AddMinutes(1)));

        await (await later.CreateClient().PostAsync("verify-email", new { token }, null)).AssertProblem(HttpStatusCode.BadRequest, "token_expired");

        using var db = app.Db();
        Assert.False((await db.Users.SingleAsync(u => u.Id == user.Id)).EmailVerified);
    }

    [Fact]
    public async Task A_token_just_under_24_hours_old_still_works()
    {
        var user = await app.Client().RegisterAsync();
        var token = await app.Smtp.WaitForVerificationTokenAsync(user.Email);
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddHours(23).AddMinutes(55)));

        Assert.Equal(HttpStatusCode.NoContent, (await later.CreateClient().PostAsync("verify-email", new { token }, null)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_token_is_a_400()
    {
        await (await app.Client().PostAsync("verify-email", new { token = Marketplace.Api.Infrastructure.Secrets.NewToken() }, null))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
    }

    [Fact]
    public async Task A_missing_token_is_a_validation_error()
    {
        await (await app.Client().PostAsync("verify-email", new { token = "" }, null)).AssertValidationError("token");
    }
}
