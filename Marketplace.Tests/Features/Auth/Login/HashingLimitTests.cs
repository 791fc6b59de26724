using System.Net;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Auth.Login;

/// <summary>
/// Password hashing is bounded (Infrastructure/Passwords.cs): on a host allowing one hash at a time
/// and one waiting request, the test holds the only slot itself, so which request waits and which
/// is refused is decided by the test, not by timing.
/// </summary>
public sealed class HashingLimitTests(AppFixture app) : IClassFixture<AppFixture>
{
    private WebApplicationFactory<Program> OneSlotHost() => app.Isolated(settings: new Dictionary<string, string?>
    {
        ["Marketplace:Passwords:MaxConcurrent"] = "1",
        ["Marketplace:Passwords:QueueLimit"] = "1",
        ["Marketplace:Passwords:RetryAfterSeconds"] = "3",
    });

    /// <summary>One hashing slot, a queue of four, and a database pool of one connection that waits <paramref name="poolWaitSeconds"/> for it.</summary>
    private WebApplicationFactory<Program> OneConnectionHost(int poolWaitSeconds) => app.Isolated(settings: new Dictionary<string, string?>
    {
        ["Marketplace:Passwords:MaxConcurrent"] = "1",
        ["Marketplace:Passwords:QueueLimit"] = "4",
        ["ConnectionStrings:Marketplace"] = app.ConnectionString + $";Maximum Pool Size=1;Timeout={poolWaitSeconds}",
    });

    [Fact]
    public async Task A_login_past_the_queue_answers_503_busy_with_Retry_After_and_the_queued_one_completes()
    {
        using var host = OneSlotHost();
        var client = host.CreateClient();
        var user = await app.Client().RegisterAsync();
        var limiter = host.Services.GetRequiredService<Passwords>().Limiter!;

        using (var slot = await limiter.AcquireAsync(1))
        {
            Assert.True(slot.IsAcquired);
            var queued = client.LoginAsync(user.Email, user.Password);
            await WaitUntilQueuedAsync(limiter, 1);

            var refused = await client.LoginAsync(user.Email, user.Password);
            await refused.AssertProblem(HttpStatusCode.ServiceUnavailable, Passwords.Busy);
            Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
            Assert.False(queued.IsCompleted, "the queued login waits for the slot");

            slot.Dispose();
            await (await queued).AssertJson(HttpStatusCode.OK);
        }
        await (await client.LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unknown_email_waits_for_a_slot_too_because_it_checks_the_dummy_hash()
    {
        using var host = OneSlotHost();
        var client = host.CreateClient();
        var limiter = host.Services.GetRequiredService<Passwords>().Limiter!;

        using (var slot = await limiter.AcquireAsync(1))
        {
            var queued = client.LoginAsync(AuthApi.NewEmail("nobody"), "not-the-password");
            // it waits: the unknown address costs a real PBKDF2 check, like a known one
            await WaitUntilQueuedAsync(limiter, 1);
            await (await client.LoginAsync(AuthApi.NewEmail("nobody"), "not-the-password")).AssertProblem(HttpStatusCode.ServiceUnavailable, Passwords.Busy);

            slot.Dispose();
            await (await queued).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    [Fact]
    public async Task Register_password_change_and_account_deletion_wait_for_a_slot_and_are_refused_past_the_queue()
    {
        using var host = OneSlotHost();
        var client = host.CreateClient();
        var user = await app.CreateAsync();
        var limiter = host.Services.GetRequiredService<Passwords>().Limiter!;

        using var slot = await limiter.AcquireAsync(1);
        var queued = client.RegisterAsync();
        await WaitUntilQueuedAsync(limiter, 1);

        await (await client.PostJson("/api/v1/marketplace/auth/register", new { email = AuthApi.NewEmail(), password = "a-long-enough-password", firstName = "Ann" }))
            .AssertProblem(HttpStatusCode.ServiceUnavailable, Passwords.Busy);
        await (await client.PostAsync("change-password", new { currentPassword = user.Password, newPassword = "another-long-password" }, user.AccessToken))
            .AssertProblem(HttpStatusCode.ServiceUnavailable, Passwords.Busy);
        var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/marketplace/auth/me") { Content = System.Net.Http.Json.JsonContent.Create(new { password = user.Password }) };
        delete.Headers.Authorization = new("Bearer", user.AccessToken);
        await (await client.SendAsync(delete)).AssertProblem(HttpStatusCode.ServiceUnavailable, Passwords.Busy);

        slot.Dispose();
        await queued;
    }

    [Fact]
    public async Task A_login_waiting_for_a_slot_holds_no_database_connection()
    {
        // a pool of one connection, and a wait for it of 2 s: a queued login still holding it would starve the browse below
        using var host = OneConnectionHost(poolWaitSeconds: 2);
        var client = host.CreateClient();
        var user = await app.Client().RegisterAsync();
        var limiter = host.Services.GetRequiredService<Passwords>().Limiter!;

        using (var slot = await limiter.AcquireAsync(1))
        {
            var known = client.LoginAsync(user.Email, user.Password);
            var unknown = client.LoginAsync(AuthApi.NewEmail("nobody"), "not-the-password");
            await WaitUntilQueuedAsync(limiter, 2);

            // both read the database before queueing; the one connection is back in the pool
            await (await client.GetAsync("/api/v1/marketplace/listings?limit=1")).AssertJson(HttpStatusCode.OK);
            Assert.False(known.IsCompleted);

            slot.Dispose();
            await (await known).AssertJson(HttpStatusCode.OK);
            await (await unknown).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    [Fact]
    public async Task A_login_that_gets_its_slot_but_no_connection_back_answers_503_with_Retry_After_and_frees_the_slot()
    {
        // the pool's one connection is taken by the test while the login waits for its hashing slot: once
        // hashed, the login's next query waits the pool's 1 s for a connection and gives up
        using var host = OneConnectionHost(poolWaitSeconds: 1);
        var client = host.CreateClient();
        var user = await app.Client().RegisterAsync();
        var limiter = host.Services.GetRequiredService<Passwords>().Limiter!;

        using (var slot = await limiter.AcquireAsync(1))
        {
            var login = client.LoginAsync(user.Email, user.Password);
            await WaitUntilQueuedAsync(limiter, 1);
            using var scope = host.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<Marketplace.Api.Data.Db>();
            await using (var held = await db.BeginTransactionAsync())
            {
                slot.Dispose();
                var refused = await login;
                await refused.AssertProblem(HttpStatusCode.ServiceUnavailable, "service_unavailable");
                Assert.NotNull(refused.Headers.RetryAfter);
            }
        }
        // the failed login gave its slot back, and the connection is free again
        Assert.Equal(1, limiter.GetStatistics()!.CurrentAvailablePermits);
        await (await client.LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_the_limit_off_no_login_waits()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Passwords:LimitConcurrency"] = "false" });
        Assert.Null(host.Services.GetRequiredService<Passwords>().Limiter);
        var user = await app.Client().RegisterAsync();

        await (await host.CreateClient().LoginAsync(user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_document_names_503_busy_on_every_operation_that_hashes_a_password_and_only_there()
    {
        var doc = await (await app.Client().GetAsync("/openapi/v1.json")).AssertJson(HttpStatusCode.OK);
        var busy = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Name: $"{op.Name.ToUpperInvariant()} {path.Name.Replace("/api/v1/marketplace", "", StringComparison.Ordinal)}", Operation: op.Value)))
            .Where(op => op.Operation.GetProperty("responses").TryGetProperty("503", out var answer)
                && answer.GetProperty("description").GetString()!.StartsWith("busy:", StringComparison.Ordinal))
            .Select(op => op.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            ["DELETE /auth/me", "POST /auth/change-password", "POST /auth/login", "POST /auth/register", "POST /auth/reset-password"],
            busy);
    }

    private static async Task WaitUntilQueuedAsync(System.Threading.RateLimiting.ConcurrencyLimiter limiter, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (limiter.GetStatistics()!.CurrentQueuedCount < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the request never queued for a hashing slot");
            await Task.Delay(10);
        }
    }
}
