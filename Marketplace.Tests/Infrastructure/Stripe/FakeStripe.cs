using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.Tests.Infrastructure.Stripe;

/// <summary>A request the app sent to Stripe, as Stripe received it.</summary>
public sealed record StripeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? IdempotencyKey, string? StripeAccount);

/// <summary>
/// A Stripe-compatible HTTP server on loopback for the tests. It speaks the real wire format
/// (form-encoded parameters with bracket nesting, Stripe's error objects, Idempotency-Key replay),
/// refuses parameters the real endpoint does not know (as Stripe does: "Received unknown
/// parameter"), and records every request so tests can assert what the app sent.
/// Resources live in partial files: FakeStripe.Accounts.cs, FakeStripe.Checkout.cs, ...
/// </summary>
public sealed partial class FakeStripe : IAsyncDisposable
{
    public const string SecretKey = "sk_test_marketplace_fake_0123456789";
    public const string WebhookSecret = "whsec_platform_fake_0123456789";
    public const string ConnectWebhookSecret = "whsec_connect_fake_0123456789";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, (string Fingerprint, int Status, string Body)> idempotent = new();

    private FakeStripe(WebApplication app) => this.app = app;

    public string ApiBase { get; private set; } = "";

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<StripeRequest> Requests { get; } = new();

    /// <summary>The Stripe objects created so far, by id (acct_..., cs_..., re_...), as Stripe would return them.</summary>
    public ConcurrentDictionary<string, JsonObject> Objects { get; } = new();

    /// <summary>Requests to a path (e.g. "/v1/accounts"), optionally only those with this verb.</summary>
    public IReadOnlyList<StripeRequest> RequestsTo(string path, string method = "POST") =>
        Requests.Where(r => r.Path == path && r.Method == method).ToList();

    public static async Task<FakeStripe> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        var web = builder.Build();
        var stripe = new FakeStripe(web);

        web.Use(stripe.AuthenticateAndRecordAsync);
        var v1 = web.MapGroup("/v1");
        stripe.MapResources(v1);
        web.MapFallback((HttpContext http) => Error(404, "invalid_request_error", $"Unrecognized request URL ({http.Request.Method}: {http.Request.Path})."));

        await web.StartAsync();
        stripe.ApiBase = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return stripe;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    /// <summary>Each resource file implements its part (a partial method left unimplemented maps nothing).</summary>
    private void MapResources(RouteGroupBuilder v1)
    {
        MapAccounts(v1);
        MapCustomers(v1);
        MapCheckoutSessions(v1);
        MapPaymentsAndRefunds(v1);
        MapTransfersAndEvents(v1);
    }

    /// <summary>FakeStripe.Transfers.cs: /v1/transfers/{id}, /v1/transfers/{id}/reversals; FakeStripe.Events.cs: /v1/events.</summary>
    partial void MapTransfersAndEvents(RouteGroupBuilder v1);

    /// <summary>FakeStripe.Accounts.cs: /v1/accounts, /v1/account_links, /v1/accounts/{id}/login_links.</summary>
    partial void MapAccounts(RouteGroupBuilder v1);

    /// <summary>FakeStripe.Customers.cs: /v1/customers.</summary>
    partial void MapCustomers(RouteGroupBuilder v1);

    /// <summary>FakeStripe.Checkout.cs: /v1/checkout/sessions.</summary>
    partial void MapCheckoutSessions(RouteGroupBuilder v1);

    /// <summary>FakeStripe.Payments.cs: /v1/payment_intents, /v1/charges, /v1/balance_transactions, /v1/refunds.</summary>
    partial void MapPaymentsAndRefunds(RouteGroupBuilder v1);

    private async Task AuthenticateAndRecordAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Request.Headers.Authorization.ToString() != $"Bearer {SecretKey}")
        {
            await Error(401, "invalid_request_error", "Invalid API Key provided.").ExecuteAsync(http);
            return;
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (http.Request.HasFormContentType)
        {
            foreach (var (key, value) in await http.Request.ReadFormAsync())
            {
                form[key] = value.ToString();
            }
        }
        else if (http.Request.QueryString.HasValue)
        {
            foreach (var (key, value) in http.Request.Query)
            {
                form[key] = value.ToString();
            }
        }
        var idempotencyKey = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        var account = http.Request.Headers["Stripe-Account"].FirstOrDefault();
        var request = new StripeRequest(http.Request.Method, http.Request.Path.Value ?? "", form, idempotencyKey, account);
        Requests.Enqueue(request);
        http.Items[typeof(StripeRequest)] = request;

        foreach (var fault in faults.Values.Where(f => f.When(request)))
        {
            // a slow Stripe: the app's own timeout cancels the call, which ends this wait too
            try
            {
                await Task.Delay(fault.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (fault.FailWith is { } status)
            {
                await Error(status, "api_error", "An error occurred with our connection to Stripe (injected by the test).").ExecuteAsync(http);
                return;
            }
        }

        if (idempotencyKey is null || http.Request.Method != "POST")
        {
            await next(http);
            return;
        }

        // Stripe's idempotency: the same key replays the first answer; the same key with other
        // parameters is an idempotency_error.
        var fingerprint = http.Request.Path + "?" + string.Join('&', form.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        if (idempotent.TryGetValue(idempotencyKey, out var first))
        {
            if (first.Fingerprint != fingerprint)
            {
                await Error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.").ExecuteAsync(http);
                return;
            }
            http.Response.StatusCode = first.Status;
            http.Response.ContentType = "application/json";
            http.Response.Headers["Idempotent-Replayed"] = "true";
            await http.Response.WriteAsync(first.Body);
            return;
        }

        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        if (http.Response.StatusCode < 500)
        {
            idempotent.TryAdd(idempotencyKey, (fingerprint, http.Response.StatusCode, body));
        }
        await http.Response.WriteAsync(body);
    }

    private readonly ConcurrentDictionary<Guid, Fault> faults = new();

    /// <summary>A fault for the requests <see cref="When"/> matches: answered after <see cref="Delay"/>, with Stripe's error of status <see cref="FailWith"/> if given.</summary>
    private sealed record Fault(Func<StripeRequest, bool> When, TimeSpan Delay, int? FailWith);

    /// <summary>
    /// Makes Stripe slow or failing for the matching requests until the returned handle is
    /// disposed. The server is shared by the whole run, so match only the test's own requests
    /// (by metadata, path or idempotency key). Requests are still recorded.
    /// </summary>
    public IDisposable Inject(Func<StripeRequest, bool> when, TimeSpan? delay = null, int? failWith = null)
    {
        var id = Guid.NewGuid();
        faults[id] = new Fault(when, delay ?? TimeSpan.Zero, failWith);
        return new Removal(() => faults.TryRemove(id, out _));
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }

    /// <summary>The recorded request of the current call (form parameters, headers).</summary>
    public static StripeRequest Current(HttpContext http) => (StripeRequest)http.Items[typeof(StripeRequest)]!;

    /// <summary>
    /// Refuses parameters the endpoint does not document: Stripe answers 400
    /// "Received unknown parameter: x". Allowed names are top-level (metadata covers metadata[...]).
    /// </summary>
    public static IResult? RejectUnknown(StripeRequest request, params string[] allowed)
    {
        foreach (var key in request.Form.Keys)
        {
            var top = key.Split('[')[0];
            if (!allowed.Contains(top, StringComparer.Ordinal))
            {
                return Error(400, "invalid_request_error", $"Received unknown parameter: {key}", key);
            }
        }
        return null;
    }

    /// <summary>A required parameter: Stripe answers 400 "Missing required param: x".</summary>
    public static IResult? RequireParams(StripeRequest request, params string[] required)
    {
        foreach (var name in required)
        {
            if (!request.Form.ContainsKey(name) && !request.Form.Keys.Any(k => k.StartsWith(name + "[", StringComparison.Ordinal)))
            {
                return Error(400, "invalid_request_error", $"Missing required param: {name}.", name);
            }
        }
        return null;
    }

    /// <summary>A Stripe error object: { "error": { type, message, param, code } }.</summary>
    public static IResult Error(int status, string type, string message, string? param = null, string? code = null) =>
        Results.Json(new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["type"] = type,
                ["message"] = message,
                ["param"] = param,
                ["code"] = code,
            },
        }, statusCode: status);

    /// <summary>An object id with Stripe's prefix (acct_, cs_, cus_, re_, ch_, pi_, txn_, evt_).</summary>
    public static string NewId(string prefix) =>
        prefix + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The metadata[...] parameters of a request as Stripe stores them.</summary>
    public static JsonObject Metadata(StripeRequest request, string prefix = "metadata")
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in request.Form)
        {
            if (key.StartsWith(prefix + "[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                metadata[key[(prefix.Length + 1)..^1]] = value;
            }
        }
        return metadata;
    }

    /// <summary>Signs a webhook payload the way Stripe does: Stripe-Signature "t=..,v1=hex(HMAC-SHA256(secret, t.payload))".</summary>
    public static string SignatureHeader(string payload, string secret, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(signature)}";
    }
}
