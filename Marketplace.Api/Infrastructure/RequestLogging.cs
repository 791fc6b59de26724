using System.Diagnostics;
using System.Net;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// The request id and one line per request. Every request gets an id, answered in
/// <c>X-Request-Id</c>, set as <see cref="HttpContext.TraceIdentifier"/> (so problem details quote
/// it as <c>traceId</c>) and carried by every log line written while the request runs (a
/// <c>RequestId</c> logging scope). A proxy listed in Marketplace:KnownProxies may pass its own id
/// in <c>X-Request-Id</c>; from anyone else the header is ignored (a client could otherwise plant
/// misleading ids in our logs). Without one, the id is the W3C trace id of the request, so it also
/// finds the request's trace.
/// The request line never carries the query string, headers or bodies, where tokens, passwords and
/// signatures travel.
/// </summary>
internal static partial class RequestLogging
{
    public const string Header = "X-Request-Id";

    public static WebApplication UseMarketplaceRequestLogging(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Marketplace.Requests");
        var proxies = app.Services.GetRequiredService<MarketplaceOptions>().KnownProxies.Select(IPAddress.Parse).ToHashSet();
        app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var requestId = RequestId(http, proxies);
            http.TraceIdentifier = requestId;
            // a proxy's id differs from the trace id: the span carries it, so either finds the trace
            Activity.Current?.SetTag("marketplace.request_id", requestId);
            // when the headers go out, not now: the exception handler clears the response's headers
            http.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                http.Response.Headers[Header] = http.TraceIdentifier;
                return Task.CompletedTask;
            }, http);
            using var scope = logger.BeginScope(new RequestScope(requestId));
            try
            {
                await next(http);
            }
            finally
            {
                // generated: nothing is boxed or formatted when the level is off
                Responded(logger, http.Request.Method, http.Request.Path.Value, http.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void Responded(ILogger logger, string method, string? path, int statusCode, double elapsedMs);

    private static string RequestId(HttpContext http, HashSet<IPAddress> proxies)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && proxies.Count > 0
            && (proxies.Contains(remote) || (remote.IsIPv4MappedToIPv6 && proxies.Contains(remote.MapToIPv4())))
            && http.Request.Headers[Header] is [{ } given] && IsAcceptable(given))
        {
            return given;
        }
        return Activity.Current?.TraceId.ToHexString() ?? ActivityTraceId.CreateRandom().ToHexString();
    }

    /// <summary>The logging scope: a <c>RequestId</c> property for structured sinks, "RequestId:..." in plain text.</summary>
    private sealed class RequestScope(string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId}";
    }

    /// <summary>Up to 128 visible ASCII characters: anything else is not an id a proxy makes, and has no place in a log line.</summary>
    private static bool IsAcceptable(string id) => id.Length is > 0 and <= 128 && id.All(c => c is > ' ' and < (char)127);
}
