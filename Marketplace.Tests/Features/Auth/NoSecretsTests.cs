using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.Tests.Features.Auth;

/// <summary>
/// Walks every auth flow on a host whose every log line is kept, then looks for the secrets it
/// handled: no log line holds a password, a password hash or a token (nor a token's hash), and no
/// answer holds a password or a hash; tokens appear only in the answer that hands them out.
/// </summary>
public sealed class NoSecretsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task No_response_or_log_line_contains_a_password_a_hash_or_a_token()
    {
        var logs = new LogCapture();
        using var host = app.Factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l =>
        {
            l.AddProvider(logs);
            l.AddFilter<LogCapture>(null, LogLevel.Trace);
        })));
        var client = host.CreateClient();
        var email = AuthApi.NewEmail("secrets");
        const string password = "first-Secret-Password-1";
        const string changed = "second-Secret-Password-2";
        const string reset = "third-Secret-Password-3";
        const string wrong = "wrong-Secret-Password-0";
        var responses = new List<(string Call, string Body)>();
        var issued = new List<(string Call, string Access, string Refresh)>();
        var secrets = new List<string> { password, changed, reset, wrong };
        var hashes = new List<string>();

        async Task<JsonElement> Call(string name, Task<HttpResponseMessage> call, HttpStatusCode expected)
        {
            using var response = await call;
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{name}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
            responses.Add((name, body));
            var json = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("refreshToken", out var refresh))
            {
                issued.Add((name, json.GetProperty("accessToken").GetString()!, refresh.GetString()!));
            }
            return json;
        }
        async Task KeepHashAsync()
        {
            using var db = app.Db();
            hashes.Add(await db.Users.Where(u => u.Email == email).Select(u => u.PasswordHash).SingleAsync());
        }

        await Call("register", client.PostJson($"{AuthApi.Base}/register", new { email, password, firstName = "Sec" }), HttpStatusCode.Created);
        await KeepHashAsync();
        var verify = await app.Smtp.WaitForVerificationTokenAsync(email);
        secrets.Add(verify);
        await Call("verify-email", client.PostAsync("verify-email", new { token = verify }, null), HttpStatusCode.NoContent);
        await Call("login-wrong", client.LoginAsync(email, wrong), HttpStatusCode.Unauthorized);
        var login = await Call("login", client.LoginAsync(email, password), HttpStatusCode.OK);
        var refreshed = await Call("refresh", client.RefreshAsync(AuthApi.RefreshToken(login)), HttpStatusCode.OK);
        // within the grace window the spent token answers the same successor (so it is no other call's token)
        var grace = await (await client.RefreshAsync(AuthApi.RefreshToken(login))).AssertJson(HttpStatusCode.OK);
        Assert.Equal(AuthApi.RefreshToken(refreshed), AuthApi.RefreshToken(grace));
        await Call("refresh-successor", client.RefreshAsync(AuthApi.RefreshToken(refreshed)), HttpStatusCode.OK);
        // the successor was used: the first token again is a reuse, grace window or not
        await Call("refresh-reuse", client.RefreshAsync(AuthApi.RefreshToken(login)), HttpStatusCode.Unauthorized);
        var again = await Call("login-again", client.LoginAsync(email, password), HttpStatusCode.OK);
        await Call("change-password-wrong", client.PostAsync("change-password", new { currentPassword = wrong, newPassword = changed }, AuthApi.AccessToken(again)), HttpStatusCode.BadRequest);
        await Call("change-password", client.PostAsync("change-password", new { currentPassword = password, newPassword = changed }, AuthApi.AccessToken(again)), HttpStatusCode.NoContent);
        await KeepHashAsync();
        await Call("forgot-password", client.PostAsync("forgot-password", new { email }, null), HttpStatusCode.Accepted);
        var resetToken = await app.Smtp.WaitForResetTokenAsync(email);
        secrets.Add(resetToken);
        await Call("reset-password", client.PostAsync("reset-password", new { token = resetToken, newPassword = reset }, null), HttpStatusCode.NoContent);
        await KeepHashAsync();
        var last = await Call("login-last", client.LoginAsync(email, reset), HttpStatusCode.OK);
        await Call("me", client.MeAsync(AuthApi.AccessToken(last)), HttpStatusCode.OK);
        await Call("me-stale", client.MeAsync(AuthApi.AccessToken(refreshed)), HttpStatusCode.Unauthorized);
        await Call("logout", client.PostAsync("logout", new { }, AuthApi.AccessToken(last)), HttpStatusCode.NoContent);

        var tokens = issued.SelectMany(i => new[] { i.Access, i.Refresh }).ToList();
        var tokenHashes = tokens.Concat([verify, resetToken]).Select(Secrets.Hash).ToList();
        var forbiddenEverywhere = secrets.Concat(hashes).Concat(tokenHashes).ToList();

        Assert.NotEmpty(logs.Lines);
        foreach (var line in logs.Lines)
        {
            foreach (var secret in forbiddenEverywhere.Concat(tokens))
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"a log line holds a secret: {line}");
            }
        }
        foreach (var (call, body) in responses)
        {
            foreach (var secret in forbiddenEverywhere)
            {
                Assert.False(body.Contains(secret, StringComparison.Ordinal), $"the {call} answer holds a secret: {body}");
            }
            var own = issued.Where(i => i.Call == call).SelectMany(i => new[] { i.Access, i.Refresh }).ToHashSet();
            foreach (var token in tokens.Where(t => !own.Contains(t)))
            {
                Assert.False(body.Contains(token, StringComparison.Ordinal), $"the {call} answer holds another call's token: {body}");
            }
        }
    }
}
