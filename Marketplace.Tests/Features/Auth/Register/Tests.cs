using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.Register;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Registering_answers_201_with_tokens_and_the_profile_and_mails_a_verification_link()
    {
        var email = AuthApi.NewEmail();
        var response = await app.Client().PostJson($"{AuthApi.Base}/register",
            new { email, password = "a-long-enough-password", firstName = "Ann", lastName = "Lee", phone = "+1 512 555-0100" });

        var json = await response.AssertJson(HttpStatusCode.Created);
        Assert.Equal("Bearer", json.GetProperty("tokenType").GetString());
        Assert.Equal(15 * 60, json.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("refreshToken").GetString()));
        var user = json.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.False(user.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("Ann", user.GetProperty("firstName").GetString());
        Assert.Equal("+1 512 555-0100", user.GetProperty("phone").GetString());

        // the caller is logged in
        var me = await (await app.Client().MeAsync(AuthApi.AccessToken(json))).AssertJson(HttpStatusCode.OK);
        Assert.Equal(user.GetProperty("id").GetInt32(), me.GetProperty("id").GetInt32());

        var mail = await app.Smtp.WaitForMailAsync(email, "Confirm your e-mail");
        Assert.Contains("https://app.marketplace.test/verify-email?token=", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello Ann", mail.TextBody, StringComparison.Ordinal);

        using var db = app.Db();
        var row = await db.Users.SingleAsync(u => u.Email == email);
        Assert.StartsWith("AQAAAA", row.PasswordHash, StringComparison.Ordinal); // Identity V3 format
        Assert.Matches("^[0-9a-f]{64}$", row.EmailVerifyToken!);
        Assert.Equal(Secrets(Mailbox.TokenFrom(mail, "verify-email")), row.EmailVerifyToken);
    }

    [Fact]
    public async Task The_email_is_stored_trimmed_and_lowercase()
    {
        var email = AuthApi.NewEmail("Mixed.Case").Replace("example", "Example", StringComparison.Ordinal);
        var json = await (await app.Client().PostJson($"{AuthApi.Base}/register", new { email = $"  {email} ", password = "a-long-enough-password" }))
            .AssertJson(HttpStatusCode.Created);
        Assert.Equal(email.ToLowerInvariant(), json.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task A_second_account_with_the_same_email_in_another_case_is_409_email_taken()
    {
        var email = AuthApi.NewEmail("dup");
        await app.Client().RegisterAsync(email);

        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new { email = email.ToUpperInvariant(), password = "another-long-password" });

        await response.AssertProblem(HttpStatusCode.Conflict, "email_taken");
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_email_create_one_account()
    {
        var email = AuthApi.NewEmail("race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            app.Client().PostJson($"{AuthApi.Base}/register", new { email = i % 2 == 0 ? email : email.ToUpperInvariant(), password = "a-long-enough-password" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await conflict.AssertProblem(HttpStatusCode.Conflict, "email_taken");
        }
        using var db = app.Db();
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email.ToLower() == email));
    }

    [Theory]
    [InlineData("not-an-email", "a-long-enough-password", "email")]
    [InlineData("", "a-long-enough-password", "email")]
    [InlineData(null, "a-long-enough-password", "email")]
    [InlineData("short@example.test", "too-short", "password")]
    [InlineData("short@example.test", null, "password")]
    public async Task Invalid_input_is_a_400_naming_the_field(string? email, string? password, string field)
    {
        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new { email, password });
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task A_password_longer_than_128_characters_is_refused()
    {
        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new { email = AuthApi.NewEmail(), password = new string('x', 129) });
        await response.AssertValidationError("password");
    }

    [Fact]
    public async Task The_password_must_not_be_the_email_address()
    {
        var email = AuthApi.NewEmail();
        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new { email, password = email.ToUpperInvariant() });
        await response.AssertValidationError("password");
    }

    [Fact]
    public async Task Names_and_phone_longer_than_their_columns_are_refused()
    {
        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new
        {
            email = AuthApi.NewEmail(),
            password = "a-long-enough-password",
            firstName = new string('a', 101),
            lastName = new string('b', 101),
            phone = new string('1', 33),
        });
        var json = await response.AssertValidationError("firstName");
        Assert.True(json.GetProperty("errors").TryGetProperty("lastName", out _));
        Assert.True(json.GetProperty("errors").TryGetProperty("phone", out _));
    }

    [Fact]
    public async Task An_email_longer_than_254_characters_is_refused()
    {
        var response = await app.Client().PostJson($"{AuthApi.Base}/register", new { email = new string('a', 250) + "@example.test", password = "a-long-enough-password" });
        await response.AssertValidationError("email");
    }

    private static string Secrets(string token) => Marketplace.Api.Infrastructure.Secrets.Hash(token);
}
