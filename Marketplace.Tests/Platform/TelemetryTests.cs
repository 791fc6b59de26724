using System.Collections;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Marketplace.Tests.Platform;

/// <summary>Traces, metrics, request ids and the log format, as an operator would look at them.</summary>
public sealed class TelemetryTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string ConnectUrl = "/api/v1/marketplace/providers/me/stripe-connect";

    [Fact]
    public async Task A_request_that_reads_the_database_and_calls_Stripe_produces_one_trace_with_their_spans()
    {
        var spans = new LockedList<Activity>();
        var metrics = new List<Metric>();
        using var host = app.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddOpenTelemetry()
            .WithTracing(t => t.AddMarketplaceInstrumentation().AddInMemoryExporter(spans))
            .WithMetrics(m => m.AddMarketplaceInstrumentation().AddInMemoryExporter(metrics))));
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);

        var response = await client.PostAsync(ConnectUrl, null);
        await response.AssertJson(HttpStatusCode.OK);

        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        // the server span ends when the pipeline has returned, which may be a moment after the client has the response
        List<Activity> trace = [];
        for (var waited = 0; waited < 50 && !trace.Any(a => a.Kind == ActivityKind.Server && a.ParentSpanId == default); waited++)
        {
            host.Services.GetRequiredService<TracerProvider>().ForceFlush();
            trace = [.. spans.Snapshot().Where(a => a.TraceId.ToHexString() == requestId)];
            if (!trace.Any(a => a.Kind == ActivityKind.Server && a.ParentSpanId == default))
            {
                await Task.Delay(100);
            }
        }
        // the fake Stripe is an ASP.NET Core host in this process too: its server spans join the trace (traceparent), below ours
        var server = Assert.Single(trace, a => a.Kind == ActivityKind.Server && a.ParentSpanId == default);
        Assert.Equal("POST", server.GetTagItem("http.request.method"));
        Assert.Equal(200, server.GetTagItem("http.response.status_code"));
        Assert.Equal(requestId, server.GetTagItem("marketplace.request_id"));
        Assert.Contains(trace, a => a.Source.Name == "Npgsql" && a.Kind == ActivityKind.Client);
        var stripe = trace.Where(a => a.Kind == ActivityKind.Client && a.Source.Name.StartsWith("System.Net.Http", StringComparison.Ordinal))
            .Select(a => new Uri((string)a.GetTagItem("url.full")!).AbsolutePath).ToList();
        Assert.Equal(["/v1/accounts", "/v1/account_links"], stripe);
        Assert.All(trace.Where(a => a != server), a => Assert.NotEqual(default, a.ParentSpanId));

        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var names = metrics.Select(m => m.Name).ToHashSet();
        Assert.Contains("http.server.request.duration", names);
        Assert.Contains(metrics, m => m.MeterName == "Npgsql");
    }

    [Fact]
    public async Task Sending_a_mail_produces_an_SMTP_span()
    {
        var spans = new LockedList<Activity>();
        using var host = app.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddOpenTelemetry()
            .WithTracing(t => t.AddMarketplaceInstrumentation().AddInMemoryExporter(spans))));
        _ = host.Server;

        // registering sends a verification mail through the outbox
        var register = await host.CreateClient().PostJson("/api/v1/marketplace/auth/register",
            new { email = $"span.{Guid.NewGuid():N}@example.test", password = "a-long-enough-password" });
        await register.AssertJson(HttpStatusCode.Created);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!spans.Snapshot().Any(a => a.Source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Contains(spans.Snapshot(), a => a.Source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName && a.Kind == ActivityKind.Client);
    }

    [Fact]
    public async Task Every_log_line_of_a_request_carries_its_request_id_which_problems_quote_as_traceId()
    {
        var logs = new ScopeCapture();
        // Stripe is unreachable here: the request logs a warning of its own before its request line
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:ApiBase"] = $"http://127.0.0.1:{AppFixture.FreePort()}" })
            .WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var provider = await app.CreateProviderAsync();
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", provider.Owner.AccessToken);
        client.DefaultRequestHeaders.Add("X-Request-Id", "planted-by-a-client");

        var response = await client.PostAsync(ConnectUrl, null);

        var problem = await response.AssertProblem(HttpStatusCode.BadGateway, "stripe_error");
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual("planted-by-a-client", requestId); // the test client is no trusted proxy
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        Assert.Equal(requestId, problem.GetProperty("traceId").GetString());
        var mine = logs.Entries.Where(e => e.RequestId == requestId).Select(e => e.Message).ToList();
        Assert.Contains(mine, m => m.StartsWith("Stripe call failed on POST", StringComparison.Ordinal));
        Assert.Contains(mine, m => m.StartsWith($"HTTP POST {ConnectUrl} responded 502", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.RequestId is null && e.Message.Contains(ConnectUrl, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_and_keep_a_trusted_proxys_request_id()
    {
        await using var api = ApiProcess.Start(new Dictionary<string, string?>
        {
            ["Marketplace__Logging__Json"] = "true",
            ["Marketplace__KnownProxies__0"] = "127.0.0.1",
        });
        var client = await api.ReadyAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/marketplace/no-such-route");
        request.Headers.Add("X-Request-Id", "proxy-req-42");

        var response = await client.SendAsync(request);

        var problem = await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("proxy-req-42", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal("proxy-req-42", problem.GetProperty("traceId").GetString());
        var requestLine = await api.LineAsync(l => l.Contains("no-such-route responded 404", StringComparison.Ordinal));
        await api.StopAsync();
        var entry = JsonDocument.Parse(requestLine).RootElement;
        Assert.Equal("Marketplace.Requests", entry.GetProperty("Category").GetString());
        Assert.Contains(entry.GetProperty("Scopes").EnumerateArray(),
            s => s.TryGetProperty("RequestId", out var id) && id.GetString() == "proxy-req-42");
        Assert.All(api.Stdout.Where(l => l.Length > 0), l => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(l).RootElement.ValueKind));
    }

    [Fact]
    public async Task Plain_logs_are_one_line_per_entry_with_the_request_id()
    {
        await using var api = ApiProcess.Start(new Dictionary<string, string?>());
        var client = await api.ReadyAsync();

        var response = await client.GetAsync("/api/v1/marketplace/no-such-route");

        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var line = await api.LineAsync(l => l.Contains("no-such-route responded 404", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Marketplace\.Requests", line);
        Assert.Contains($"RequestId:{requestId}", line, StringComparison.Ordinal);
    }

    /// <summary>Every entry with the RequestId of the scopes it was written in (null outside a request).</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Message, string? RequestId)> entries = new();
        private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

        public IEnumerable<(string Message, string? RequestId)> Entries => entries;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? requestId = null;
                owner.scopes.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object>> pairs && pairs.FirstOrDefault(p => p.Key == "RequestId").Value is string id)
                    {
                        requestId = id;
                    }
                }, (object?)null);
                owner.entries.Enqueue((formatter(state, exception), requestId));
            }
        }
    }

    /// <summary>The exporter adds from whichever thread ends a span.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> items = [];

        public int Count { get { lock (items) { return items.Count; } } }

        public bool IsReadOnly => false;

        public List<T> Snapshot() { lock (items) { return [.. items]; } }

        public void Add(T item) { lock (items) { items.Add(item); } }

        public void Clear() { lock (items) { items.Clear(); } }

        public bool Contains(T item) { lock (items) { return items.Contains(item); } }

        public void CopyTo(T[] array, int arrayIndex) { lock (items) { items.CopyTo(array, arrayIndex); } }

        public bool Remove(T item) { lock (items) { return items.Remove(item); } }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
