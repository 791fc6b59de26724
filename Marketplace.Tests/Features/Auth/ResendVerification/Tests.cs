using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.ResendVerification;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_new_link_is_mailed_and_the_previous_one_stops_working()
    {
        var user = await app.Client().RegisterAsync();
        var first = await app.Smtp.WaitForVerificationTokenAsync(user.Email);
        // one mail per minute per account: ask again two minutes later
        using var later = app.Isolated(new TestClock(DateTimeOffset.UtcNow.AddMinutes(2)));
        var client = later.CreateClient();

        var response = await client.PostAsync("resend-verification", new { email = user.Email }, null);

        await response.AssertJson(HttpStatusCode.Accepted);
        var second = await app.Smtp.WaitForVerificationTokenAsync(user.Email, count: 2);
        Assert.NotEqual(first, second);
        await (await client.PostAsync("verify-email", new { token = first }, null)).AssertProblem(HttpStatusCode.BadRequest, "invalid_token");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("verify-email", new { token = second }, null)).StatusCode);
    }

    [Fact]
    public async Task Asking_again_within_a_minute_sends_no_second_mail()
    {
        var user = await app.Client().RegisterAsync();
        await app.Smtp.WaitForVerificationTokenAsync(user.Email);

        await (await app.Client().PostAsync("resend-verification", new { email = user.Email }, null)).AssertJson(HttpStatusCode.Accepted);

        await app.WaitUntilMailRequestsHandledAsync(user.Email);
        using var db = app.Db();
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == user.Email && m.Kind == "verify_email"));
    }

    [Fact]
    public async Task The_answer_is_the_same_for_an_unknown_and_a_verified_address_and_no_mail_goes_out()
    {
        var verified = await app.CreateAsync(verified: true);
        var unknown = AuthApi.NewEmail("nobody");

        var forUnknown = await (await app.Client().PostAsync("resend-verification", new { email = unknown }, null)).AssertJson(HttpStatusCode.Accepted);
        var forVerified = await (await app.Client().PostAsync("resend-verification", new { email = verified.Email }, null)).AssertJson(HttpStatusCode.Accepted);

        Assert.Equal(forUnknown.GetRawText(), forVerified.GetRawText());
        await app.WaitUntilMailRequestsHandledAsync(unknown);
        await app.WaitUntilMailRequestsHandledAsync(verified.Email);
        using var db = app.Db();
        Assert.Equal(0, await db.Outbox.CountAsync(m => m.ToAddress == unknown || m.ToAddress == verified.Email));
    }

    [Fact]
    public async Task An_invalid_email_is_a_400()
    {
        await (await app.Client().PostAsync("resend-verification", new { email = "nope" }, null)).AssertValidationError("email");
    }
}
