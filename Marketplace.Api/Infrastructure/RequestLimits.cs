using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Bounds on what a request may make the server hold (DESIGN round 2: request bodies are bounded).
/// A body is never buffered past its limit: a Content-Length over it is refused before a byte is
/// read, and a body without one (chunked) is cut when the limit is crossed; both are 413
/// <c>payload_too_large</c>. The limit is <c>Marketplace:Limits:MaxRequestBodyBytes</c> (64 KB),
/// or more where an endpoint declares it with <see cref="BodyLimit"/> metadata (the Stripe
/// webhook). A URL longer than <see cref="MaxUrlLength"/> is 414.
/// </summary>
public static class RequestLimits
{
    public const long DefaultMaxRequestBodyBytes = 64 * 1024;
    public const long MaxConfigurableBodyBytes = 16 * 1024 * 1024;

    /// <summary>Path and query string, decoded: a cursor and every browse filter fit many times over.</summary>
    public const int MaxUrlLength = 8 * 1024;

    /// <summary>
    /// Kestrel refuses longer request lines itself, with a bare 414 no middleware can turn into a
    /// problem; it is set well above <see cref="MaxUrlLength"/> so that the API answers first.
    /// </summary>
    private const int KestrelMaxRequestLineBytes = 32 * 1024;

    public static WebApplicationBuilder AddMarketplaceRequestLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<MarketplaceOptions>>((kestrel, options) =>
        {
            // the floor for everything, raised per request below where an endpoint allows more
            kestrel.Limits.MaxRequestBodySize = options.Value.Limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestLineSize = KestrelMaxRequestLineBytes;
        });
        return builder;
    }

    public static WebApplication UseMarketplaceRequestLimits(this WebApplication app)
    {
        var defaultLimit = app.Services.GetRequiredService<MarketplaceOptions>().Limits.MaxRequestBodyBytes;
        // no async state machine on the way through: every path ends in the task it returns
        app.Use((http, next) =>
        {
            if (http.Request.Path.Value?.Length + http.Request.QueryString.Value?.Length > MaxUrlLength)
            {
                return Errors.WriteProblemAsync(http, StatusCodes.Status414RequestUriTooLong, "uri_too_long", "URI too long",
                    $"The path and query string must not exceed {MaxUrlLength} characters.");
            }

            var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? defaultLimit;
            if (http.Request.ContentLength > limit)
            {
                return Errors.WriteProblemAsync(http, StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Payload too large", TooLarge(limit));
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
            {
                kestrel.MaxRequestBodySize = limit;
            }
            else if (http.Request.Body is not LimitedBody)
            {
                // hosts without the feature (the test server): the same cut, made here
                http.Request.Body = new LimitedBody(http.Request.Body, limit);
            }
            return next(http);
        });
        return app;
    }

    public static string TooLarge(long limit) => $"The request body must not exceed {limit} bytes.";

    /// <summary>A request body that fails, as Kestrel's does, once more than the limit has been read.</summary>
    private sealed class LimitedBody(Stream inner, long limit) : Stream
    {
        private long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Count(await inner.ReadAsync(buffer, ct));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > limit ? throw new Microsoft.AspNetCore.Http.BadHttpRequestException(TooLarge(limit), StatusCodes.Status413PayloadTooLarge) : n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Endpoint metadata: this endpoint accepts bodies up to this many bytes (documented in its summary).</summary>
public sealed record BodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
