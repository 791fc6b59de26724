using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Integrations.Webhooks;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Integrations.Webhooks;

/// <summary>
/// Outbound delivery, driven round by round on hosts of the tests' own (the shared host runs no
/// delivery loop). One class, so its tests run one after the other and never claim each other's
/// deliveries with a clock of their own.
/// </summary>
public sealed class DeliveryTests(AppFixture app) : IClassFixture<AppFixture>
{
    public const string Endpoints = TestBookings.Api + "/webhook-endpoints";

    public static Dictionary<string, string?> Loopback(int timeoutSeconds = 10) => new()
    {
        ["Marketplace:Webhooks:AllowHttp"] = "true",
        ["Marketplace:Webhooks:AllowPrivateTargets"] = "true",
        ["Marketplace:Webhooks:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<(int Id, string Secret)> CreateEndpointAsync(WebApplicationFactory<Program> host, TestUser user, string url, params string[] types)
    {
        var json = await (await host.ClientFor(user).PostJson(Endpoints, new { url, eventTypes = types.Length == 0 ? [EventTypes.ListingUpdated] : types }))
            .AssertJson(HttpStatusCode.Created);
        return (json.GetProperty("id").GetInt32(), json.GetProperty("secret").GetString()!);
    }

    private async Task<Guid> EventAsync(TestUser user, string resourceId = "1")
    {
        using var db = app.Db();
        await DomainEvents.AppendAsync(db, TimeProvider.System, new DomainEvent(EventTypes.ListingUpdated, "listing", resourceId, new { title = "x" }, [user.Id]), CancellationToken.None);
        return await db.GetTable<EventRow>().Where(e => e.ResourceId == resourceId).OrderByDescending(e => e.Sequence).Select(e => e.Id).FirstAsync();
    }

    /// <summary>Delivery rounds until the condition holds (events show once older transactions of other tests have ended).</summary>
    private static async Task RoundsUntilAsync(Func<bool> done, params WebApplicationFactory<Program>[] hosts)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.WhenAll(hosts.Select(h => h.Services.GetRequiredService<WebhookDelivery>().RunOnceAsync(CancellationToken.None)));
            if (!done())
            {
                await Task.Delay(20);
            }
        }
        Assert.True(done(), "the condition did not hold after 30 s of delivery rounds");
    }

    private async Task<WebhookDeliveryRow> DeliveryAsync(int endpointId, Guid eventId)
    {
        using var db = app.Db();
        return await db.GetTable<WebhookDeliveryRow>().SingleAsync(d => d.EndpointId == endpointId && d.EventId == eventId);
    }

    [Fact]
    public async Task A_delivery_is_signed_as_Standard_Webhooks_say_and_a_rotated_secret_signs_beside_the_new_one()
    {
        using var host = app.Isolated(settings: Loopback());
        using var receiver = new WebhookReceiver();
        var user = await app.CreateAsync();
        var (endpointId, secret) = await CreateEndpointAsync(host, user, receiver.Url);
        Assert.StartsWith("whsec_", secret);

        var eventId = await EventAsync(user, $"sign-{Guid.NewGuid():N}");
        await RoundsUntilAsync(() => receiver.Requests.Any(r => r.Id == eventId.ToString()), host);
        var got = receiver.Requests.Single(r => r.Id == eventId.ToString());
        Assert.True(StandardWebhooks.Verify(secret, got.Id, got.Timestamp, got.Signature, got.Body, DateTimeOffset.UtcNow));
        Assert.False(StandardWebhooks.Verify(secret, got.Id, got.Timestamp, got.Signature, got.Body + " ", DateTimeOffset.UtcNow));
        Assert.False(StandardWebhooks.Verify(WebhookSecrets.NewSecret(), got.Id, got.Timestamp, got.Signature, got.Body, DateTimeOffset.UtcNow));
        var body = JsonDocument.Parse(got.Body).RootElement;
        Assert.Equal(eventId.ToString(), body.GetProperty("id").GetString());
        Assert.Equal(EventTypes.ListingUpdated, body.GetProperty("type").GetString());
        Assert.Equal("x", body.GetProperty("data").GetProperty("title").GetString());
        var delivered = await DeliveryAsync(endpointId, eventId);
        Assert.Equal(("delivered", 1, 204), (delivered.Status, delivered.Attempts, delivered.LastResponseCode!.Value));

        var rotated = await (await host.ClientFor(user).PostAsync($"{Endpoints}/{endpointId}/rotate-secret", null)).AssertJson(HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(secret, newSecret);
        var second = await EventAsync(user, $"sign-{Guid.NewGuid():N}");
        await RoundsUntilAsync(() => receiver.Requests.Any(r => r.Id == second.ToString()), host);
        got = receiver.Requests.Single(r => r.Id == second.ToString());
        Assert.Equal(2, got.Signature.Split(' ').Length);
        Assert.True(StandardWebhooks.Verify(newSecret, got.Id, got.Timestamp, got.Signature, got.Body, DateTimeOffset.UtcNow));
        Assert.True(StandardWebhooks.Verify(secret, got.Id, got.Timestamp, got.Signature, got.Body, DateTimeOffset.UtcNow));

        // the secret is stored encrypted, never in clear
        using var db = app.Db();
        var row = await db.GetTable<WebhookEndpointRow>().SingleAsync(w => w.Id == endpointId);
        Assert.DoesNotContain(newSecret[6..], Convert.ToBase64String(row.SecretEncrypted));
        Assert.Equal(newSecret, host.Services.GetRequiredService<WebhookSecrets>().Decrypt(row.SecretEncrypted));
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_backoff_for_three_days_then_the_endpoint_is_disabled_and_its_owner_mailed()
    {
        var clock = new TestClock();
        using var host = app.Isolated(clock, Loopback());
        using var receiver = new WebhookReceiver { Status = 500 };
        var user = await app.CreateAsync();
        var (endpointId, _) = await CreateEndpointAsync(host, user, receiver.Url);
        var eventId = await EventAsync(user, $"retry-{Guid.NewGuid():N}");
        var delivery = host.Services.GetRequiredService<WebhookDelivery>();

        await RoundsUntilAsync(() => receiver.Requests.Count(r => r.Id == eventId.ToString()) == 1, host);
        var first = await DeliveryAsync(endpointId, eventId);
        Assert.Equal(("pending", 1, 500), (first.Status, first.Attempts, first.LastResponseCode!.Value));
        Assert.Equal(clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(30), first.NextAttemptAt, TimeSpan.FromMilliseconds(1));

        clock.Advance(TimeSpan.FromSeconds(29));
        await delivery.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, (await DeliveryAsync(endpointId, eventId)).Attempts);
        clock.Advance(TimeSpan.FromSeconds(2));
        await delivery.RunOnceAsync(CancellationToken.None);
        var second = await DeliveryAsync(endpointId, eventId);
        Assert.Equal(2, second.Attempts);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(60), second.NextAttemptAt, TimeSpan.FromMilliseconds(1));

        // keep failing: each wait doubles, at most 12 h apart, until 3 days have passed since the event
        var attempts = 2;
        while ((await DeliveryAsync(endpointId, eventId)).Status == "pending")
        {
            var due = (await DeliveryAsync(endpointId, eventId)).NextAttemptAt;
            clock.Advance(due - clock.GetUtcNow().UtcDateTime);
            await delivery.RunOnceAsync(CancellationToken.None);
            attempts++;
            Assert.True(attempts < 40, "never gave up");
        }
        var failed = await DeliveryAsync(endpointId, eventId);
        Assert.Equal("failed", failed.Status);
        Assert.True(failed.LastAttemptAt - failed.CreatedAt >= TimeSpan.FromDays(2.5), $"gave up after {failed.LastAttemptAt - failed.CreatedAt}");
        Assert.Equal(receiver.Requests.Count(r => r.Id == eventId.ToString()), failed.Attempts);

        using var db = app.Db();
        var endpoint = await db.GetTable<WebhookEndpointRow>().SingleAsync(w => w.Id == endpointId);
        Assert.True(endpoint.Disabled);
        Assert.Equal("failing", endpoint.DisabledReason);
        var mail = await db.GetTable<OutboxMailRow>().SingleAsync(m => m.ToAddress == user.Email && m.Kind == "webhook_endpoint_disabled");
        Assert.Contains(receiver.Url, mail.TextBody);

        // disabled: nothing more is delivered, even when retried by hand, until it is enabled again
        var retried = await (await host.ClientFor(user).PostAsync($"{Endpoints}/{endpointId}/deliveries/{failed.Id}/retry", null)).AssertJson(HttpStatusCode.Accepted);
        Assert.Equal("pending", retried.GetProperty("status").GetString());
        var before = receiver.Requests.Count;
        await delivery.RunOnceAsync(CancellationToken.None);
        Assert.Equal(before, receiver.Requests.Count);
        receiver.Status = 200;
        await (await host.ClientFor(user).PatchJson($"{Endpoints}/{endpointId}", new { disabled = false })).AssertJson(HttpStatusCode.OK);
        await delivery.RunOnceAsync(CancellationToken.None);
        Assert.Equal("delivered", (await DeliveryAsync(endpointId, eventId)).Status);
    }

    [Fact]
    public async Task Two_instances_deliver_every_event_exactly_once()
    {
        using var one = app.Isolated(settings: Loopback());
        using var two = app.Isolated(settings: Loopback());
        using var receiver = new WebhookReceiver();
        var user = await app.CreateAsync();
        var (endpointId, _) = await CreateEndpointAsync(one, user, receiver.Url);
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add((await EventAsync(user, $"twice-{Guid.NewGuid():N}")).ToString());
        }

        await RoundsUntilAsync(() => ids.All(id => receiver.Requests.Any(r => r.Id == id)), one, two, one, two);
        await Task.WhenAll(one.Services.GetRequiredService<WebhookDelivery>().RunOnceAsync(CancellationToken.None),
            two.Services.GetRequiredService<WebhookDelivery>().RunOnceAsync(CancellationToken.None));
        Assert.All(ids, id => Assert.Single(receiver.Requests, r => r.Id == id));
        using var db = app.Db();
        var rows = await db.GetTable<WebhookDeliveryRow>().Where(d => d.EndpointId == endpointId).ToListAsync();
        Assert.Equal(40, rows.Count);
        Assert.All(rows, r => Assert.Equal(("delivered", 1), (r.Status, r.Attempts)));
    }

    [Fact]
    public async Task A_slow_receiver_does_not_hold_up_another_endpoints_deliveries()
    {
        using var host = app.Isolated(settings: Loopback(timeoutSeconds: 3));
        using var slow = new WebhookReceiver { Delay = TimeSpan.FromSeconds(10) };
        using var fast = new WebhookReceiver();
        var user = await app.CreateAsync();
        var (slowId, _) = await CreateEndpointAsync(host, user, slow.Url);
        await CreateEndpointAsync(host, user, fast.Url);
        var eventId = await EventAsync(user, $"slow-{Guid.NewGuid():N}");

        var started = DateTime.UtcNow;
        await RoundsUntilAsync(() => fast.Requests.Any(r => r.Id == eventId.ToString()) && slow.Requests.Any(r => r.Id == eventId.ToString()), host);
        // both went out together: the fast one did not wait for the slow one's 3 s timeout
        var fastAt = fast.Requests.Single(r => r.Id == eventId.ToString()).At;
        var slowAt = slow.Requests.Single(r => r.Id == eventId.ToString()).At;
        Assert.True((fastAt - slowAt).Duration() < TimeSpan.FromSeconds(2), $"fast {fastAt:O}, slow {slowAt:O}");
        var timedOut = await DeliveryAsync(slowId, eventId);
        Assert.Equal("pending", timedOut.Status);
        Assert.Null(timedOut.LastResponseCode);
        Assert.Contains("no answer within 3 s", timedOut.LastError);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task A_target_that_turns_internal_is_refused_at_delivery_time()
    {
        using var permissive = app.Isolated(settings: Loopback());
        using var strict = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Webhooks:AllowHttp"] = "true" });
        using var receiver = new WebhookReceiver();
        var user = await app.CreateAsync();
        var (endpointId, _) = await CreateEndpointAsync(permissive, user, receiver.Url);
        var eventId = await EventAsync(user, $"ssrf-{Guid.NewGuid():N}");

        await RoundsUntilAsync(() =>
        {
            using var db = app.Db();
            return db.GetTable<WebhookDeliveryRow>().Any(d => d.EndpointId == endpointId && d.EventId == eventId && d.Attempts > 0);
        }, strict);
        Assert.Empty(receiver.Requests);
        var refused = await DeliveryAsync(endpointId, eventId);
        Assert.Equal("pending", refused.Status);
        Assert.Contains("internal address", refused.LastError);
    }

    [LinqToDB.Mapping.Table("domain_events", Schema = "marketplace")]
    private sealed class EventRow
    {
        [LinqToDB.Mapping.Column("id")] public Guid Id { get; set; }
        [LinqToDB.Mapping.Column("sequence")] public long Sequence { get; set; }
        [LinqToDB.Mapping.Column("resource_id")] public string ResourceId { get; set; } = "";
    }
}
