using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.ForgotPassword;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_reset_link_is_mailed_for_an_existing_account()
    {
        var user = await app.Client().RegisterAsync();

        var json = await (await app.Client().PostAsync("forgot-password", new { email = user.Email.ToUpperInvariant() }, null)).AssertJson(HttpStatusCode.Accepted);

        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        var mail = await app.Smtp.WaitForMailAsync(user.Email, "Reset your password");
        Assert.Contains("https://app.marketplace.test/reset-password?token=", mail.TextBody, StringComparison.Ordinal);
        using var db = app.Db();
        var row = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.Equal(Marketplace.Api.Infrastructure.Secrets.Hash(Mailbox.TokenFrom(mail, "reset-password")), row.PasswordResetToken);
        Assert.InRange(row.PasswordResetExpires!.Value, DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task An_unknown_address_gets_the_same_answer_and_no_mail()
    {
        var user = await app.Client().RegisterAsync();
        var unknown = AuthApi.NewEmail("nobody");

        var known = await app.Client().PostAsync("forgot-password", new { email = user.Email }, null);
        var notKnown = await app.Client().PostAsync("forgot-password", new { email = unknown }, null);

        Assert.Equal(known.StatusCode, notKnown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, notKnown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await notKnown.Content.ReadAsStringAsync());
        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        await app.WaitUntilMailRequestsHandledAsync(unknown);
        using var db = app.Db();
        Assert.Equal(0, await db.Outbox.CountAsync(m => m.ToAddress == unknown));
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "password_reset"));
    }

    [Fact]
    public async Task A_suspended_account_gets_no_link()
    {
        var user = await app.Client().RegisterAsync();
        using var db = app.Db();
        await db.Users.Where(u => u.Id == user.Id).Set(u => u.Status, "suspended").UpdateAsync();

        await (await app.Client().PostAsync("forgot-password", new { email = user.Email }, null)).AssertJson(HttpStatusCode.Accepted);

        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        Assert.Equal(0, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "password_reset"));
    }

    [Fact]
    public async Task A_second_request_within_a_minute_sends_nothing_and_a_later_one_replaces_the_link()
    {
        var user = await app.Client().RegisterAsync();
        await app.Client().PostAsync("forgot-password", new { email = user.Email }, null);
        await app.Client().PostAsync("forgot-password", new { email = user.Email }, null);
        var first = await app.Smtp.WaitForResetTokenAsync(user.Email);
        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        using (var db = app.Db())
        {
            Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "password_reset"));
        }

        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddMinutes(2)));
        await later.CreateClient().PostAsync("forgot-password", new { email = user.Email }, null);
        var second = await app.Smtp.WaitForResetTokenAsync(user.Email, count: 2);

        Assert.NotEqual(first, second);
        await (await later.CreateClient().PostAsync("reset-password", new { token = first, newPassword = "a-brand-new-password" }, null))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
    }

    [Fact]
    public async Task The_answer_comes_before_the_lookup_and_the_request_leaves_no_row_behind()
    {
        var user = await app.Client().RegisterAsync();

        await (await app.Client().PostAsync("forgot-password", new { email = $"  {user.Email.ToUpperInvariant()} " }, null)).AssertJson(HttpStatusCode.Accepted);

        // queued under the normalised address, then handled (and the row deleted) by the worker
        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        using var db = app.Db();
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "password_reset"));
    }

    [Fact]
    public async Task Concurrent_requests_over_two_instances_send_one_link()
    {
        var user = await app.Client().RegisterAsync();
        using var other = app.Isolated();
        var clients = new[] { app.Client(), other.CreateClient() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => clients[i % 2].PostAsync("forgot-password", new { email = user.Email }, null)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        using var db = app.Db();
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "password_reset"));
        var token = await app.Smtp.WaitForResetTokenAsync(user.Email);
        Assert.Equal(Marketplace.Api.Infrastructure.Secrets.Hash(token), (await db.Users.SingleAsync(u => u.Id == user.Id)).PasswordResetToken);
    }

    [Fact]
    public async Task An_invalid_email_is_a_400()
    {
        await (await app.Client().PostAsync("forgot-password", new { email = "x" }, null)).AssertValidationError("email");
    }
}
