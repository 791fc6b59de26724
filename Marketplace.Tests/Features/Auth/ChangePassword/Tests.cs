using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.ChangePassword;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string NewPassword = "a-brand-new-password";

    [Fact]
    public async Task Changing_keeps_this_session_revokes_the_others_and_mails_a_notice()
    {
        var user = await app.Client().RegisterAsync();
        var other = await (await app.Client().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);

        var response = await app.Client().PostAsync("change-password", new { currentPassword = user.Password, newPassword = NewPassword }, user.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Client().MeAsync(user.AccessToken)).AssertJson(HttpStatusCode.OK);
        await (await app.Client().RefreshAsync(user.RefreshToken)).AssertJson(HttpStatusCode.OK);
        await (await app.Client().MeAsync(AuthApi.AccessToken(other))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client().RefreshAsync(AuthApi.RefreshToken(other))).AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await app.Client().LoginAsync(user.Email, NewPassword)).AssertJson(HttpStatusCode.OK);
        await app.Smtp.WaitForMailAsync(user.Email, "Your password was changed");
        using var db = app.Db();
        Assert.Equal("password_changed", (await db.Sessions.SingleAsync(s => s.UserId == user.Id && s.RevokedAt != null)).RevokedReason);
    }

    [Fact]
    public async Task A_wrong_current_password_is_refused_and_counts_towards_the_lock_out()
    {
        var user = await app.Client().RegisterAsync();

        for (var i = 0; i < 5; i++)
        {
            await (await app.Client().PostAsync("change-password", new { currentPassword = "not-the-password", newPassword = NewPassword }, user.AccessToken))
                .AssertValidationError("currentPassword");
        }

        await (await app.Client().PostAsync("change-password", new { currentPassword = user.Password, newPassword = NewPassword }, user.AccessToken))
            .AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
    }

    [Fact]
    public async Task The_new_password_follows_the_rules()
    {
        var user = await app.Client().RegisterAsync();

        await (await app.Client().PostAsync("change-password", new { currentPassword = user.Password, newPassword = "short" }, user.AccessToken))
            .AssertValidationError("newPassword");
        await (await app.Client().PostAsync("change-password", new { currentPassword = user.Password, newPassword = user.Password }, user.AccessToken))
            .AssertValidationError("newPassword");
        await (await app.Client().PostAsync("change-password", new { currentPassword = user.Password, newPassword = user.Email }, user.AccessToken))
            .AssertValidationError("newPassword");
        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Changing_the_password_needs_a_token()
    {
        await (await app.Client().PostAsync("change-password", new { currentPassword = "whatever-it-is", newPassword = NewPassword }, null))
            .AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
