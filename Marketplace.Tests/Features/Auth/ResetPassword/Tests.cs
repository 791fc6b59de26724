using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.ResetPassword;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string NewPassword = "a-brand-new-password";

    [Fact]
    public async Task Resetting_sets_the_new_password_revokes_every_session_and_mails_a_notice()
    {
        var user = await app.Client().RegisterAsync();
        var second = AuthApi.AccessToken(await (await app.Client().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK));
        var token = await RequestResetAsync(user);

        var response = await app.Client().PostAsync("reset-password", new { token, newPassword = NewPassword }, null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Client().MeAsync(user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client().MeAsync(second)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await app.Client().LoginAsync(user.Email, NewPassword)).AssertJson(HttpStatusCode.OK);

        var notice = await app.Smtp.WaitForMailAsync(user.Email, "Your password was changed");
        Assert.Contains("https://app.marketplace.test/forgot-password", notice.TextBody, StringComparison.Ordinal);
        using var db = app.Db();
        Assert.All(await db.Sessions.Where(s => s.UserId == user.Id && s.RevokedAt != null).ToListAsync(), s => Assert.Equal("password_reset", s.RevokedReason));
        Assert.Null((await db.Users.SingleAsync(u => u.Id == user.Id)).PasswordResetToken);
    }

    [Fact]
    public async Task A_reset_token_works_only_once()
    {
        var user = await app.Client().RegisterAsync();
        var token = await RequestResetAsync(user);
        await app.Client().PostAsync("reset-password", new { token, newPassword = NewPassword }, null);

        await (await app.Client().PostAsync("reset-password", new { token, newPassword = "yet-another-password" }, null))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
        await (await app.Client().LoginAsync(user.Email, NewPassword)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_reset_token_older_than_an_hour_has_expired()
    {
        var user = await app.Client().RegisterAsync();
        var token = await RequestResetAsync(user);
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddMinutes(61)));

        await (await later.CreateClient().PostAsync("reset-password", new { token, newPassword = NewPassword }, null))
            .AssertProblem(HttpStatusCode.BadRequest, "token_expired");
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_reset_lifts_a_lock_out()
    {
        var user = await app.Client().RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await app.Client().LoginAsync(user.Email, "not-the-password");
        }
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        var token = await RequestResetAsync(user);

        await app.Client().PostAsync("reset-password", new { token, newPassword = NewPassword }, null);

        await (await app.Client().LoginAsync(user.Email, NewPassword)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_new_password_follows_the_password_rules()
    {
        var user = await app.Client().RegisterAsync();
        var token = await RequestResetAsync(user);

        await (await app.Client().PostAsync("reset-password", new { token, newPassword = "short" }, null)).AssertValidationError("newPassword");
        await (await app.Client().PostAsync("reset-password", new { token, newPassword = user.Email }, null)).AssertValidationError("newPassword");
        // the refused attempts did not spend the token
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client().PostAsync("reset-password", new { token, newPassword = NewPassword }, null)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_token_is_a_400()
    {
        await (await app.Client().PostAsync("reset-password", new { token = Marketplace.Api.Infrastructure.Secrets.NewToken(), newPassword = NewPassword }, null))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
    }

    private async Task<string> RequestResetAsync(RegisteredUser user)
    {
        await (await app.Client().PostAsync("forgot-password", new { email = user.Email }, null)).AssertJson(HttpStatusCode.Accepted);
        return await app.Smtp.WaitForResetTokenAsync(user.Email);
    }
}
