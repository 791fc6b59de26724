using System.Diagnostics;
using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Marketplace.Tests.Features.Auth.Login;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Logging_in_answers_tokens_and_the_profile_and_records_lastLoginAt()
    {
        var user = await app.Client().RegisterAsync();

        var json = await (await app.Client().LoginAsync(user.Email.ToUpperInvariant(), user.Password)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("Bearer", json.GetProperty("tokenType").GetString());
        Assert.Equal(900, json.GetProperty("expiresIn").GetInt32());
        Assert.Equal(user.Id, json.GetProperty("user").GetProperty("id").GetInt32());
        Assert.NotEqual(JsonValueKindNull, json.GetProperty("user").GetProperty("lastLoginAt").ValueKind);
        await (await app.Client().MeAsync(AuthApi.AccessToken(json))).AssertJson(HttpStatusCode.OK);

        using var db = app.Db();
        var row = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.NotNull(row.LastLoginAt);
        Assert.True(row.LastLoginAt > DateTime.UtcNow.AddMinutes(-1));
        // a new session per login
        Assert.Equal(2, await db.Sessions.CountAsync(s => s.UserId == user.Id));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_answer_the_same_401()
    {
        var user = await app.Client().RegisterAsync();

        var wrongPassword = await (await app.Client().LoginAsync(user.Email, "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknownEmail = await (await app.Client().LoginAsync(AuthApi.NewEmail("nobody"), "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownEmail.GetProperty("title").GetString());
        Assert.Equal(wrongPassword.GetProperty("detail").GetString(), unknownEmail.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_email_takes_about_as_long_as_a_wrong_password()
    {
        var user = await app.Client().RegisterAsync();
        var client = app.Client();
        await client.LoginAsync(AuthApi.NewEmail("warm"), "warm-up-password");

        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            known.Add(await TimeAsync(() => client.LoginAsync(user.Email, $"wrong-password-{i}")));
            unknown.Add(await TimeAsync(() => client.LoginAsync(AuthApi.NewEmail("nobody"), $"wrong-password-{i}")));
            if (i == 2)
            {
                // stay clear of the lock-out
                await client.LoginAsync(user.Email, user.Password);
            }
        }

        // both pay for one PBKDF2 check; without the dummy check an unknown e-mail would answer in a few ms
        var ratio = Median(unknown) / Median(known);
        Assert.True(ratio > 0.5, $"unknown e-mail {Median(unknown):0.0} ms vs wrong password {Median(known):0.0} ms");
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        var user = await app.Client().RegisterAsync();
        var client = app.Client();
        for (var i = 0; i < 4; i++)
        {
            await (await client.LoginAsync(user.Email, "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await (await client.LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
        for (var i = 0; i < 4; i++)
        {
            await (await client.LoginAsync(user.Email, "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await (await client.LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("suspended", false)]
    [InlineData("deleted", true)]
    [InlineData("active", true)]
    public async Task A_suspended_or_deleted_account_answers_403_with_the_right_password(string status, bool softDeleted)
    {
        var user = await app.Client().RegisterAsync();
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == user.Id)
                .Set(u => u.Status, status)
                .Set(u => u.DeletedAt, softDeleted ? DateTime.UtcNow : null)
                .UpdateAsync();
        }

        await (await app.Client().LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.Forbidden, "account_suspended");
        // and a wrong password still says nothing more than 401
        await (await app.Client().LoginAsync(user.Email, "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task An_outdated_hash_is_upgraded_on_login()
    {
        const string password = "an-old-style-password";
        var v2 = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }))
            .HashPassword(new object(), password);
        var email = AuthApi.NewEmail("legacy");
        int id;
        using (var db = app.Db())
        {
            id = await db.InsertWithInt32IdentityAsync(new UserRow
            {
                Email = email, PasswordHash = v2, Status = "active", UserType = "buyer", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
        }

        await (await app.Client().LoginAsync(email, password)).AssertJson(HttpStatusCode.OK);

        using (var db = app.Db())
        {
            var upgraded = await db.Users.Where(u => u.Id == id).Select(u => u.PasswordHash).SingleAsync();
            Assert.NotEqual(v2, upgraded);
            Assert.Equal(0x01, Convert.FromBase64String(upgraded)[0]); // Identity V3 format marker
        }
        // and the upgraded hash still checks
        await (await app.Client().LoginAsync(email, password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Missing_fields_are_a_400()
    {
        var response = await app.Client().PostJson($"{AuthApi.Base}/login", new { email = "", password = "" });
        var json = await response.AssertValidationError("email");
        Assert.True(json.GetProperty("errors").TryGetProperty("password", out _));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await call();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }
}
