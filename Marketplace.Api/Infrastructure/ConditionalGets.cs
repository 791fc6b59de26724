using Microsoft.Net.Http.Headers;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Endpoint metadata: a public read that answers a strong ETag and honours If-None-Match, with
/// Cache-Control by caller (README: conditional requests). <c>Options(b => b.WithMetadata(ConditionalGet.Instance))</c>,
/// or <see cref="Versioned"/> for an endpoint that tags its answer by row versions.
/// </summary>
public sealed class ConditionalGet
{
    /// <summary>A list, tagged by a hash of its bytes: the middleware holds the answer to hash it, and answers a matching If-None-Match.</summary>
    public static readonly ConditionalGet Instance = new(versioned: false);

    /// <summary>
    /// A single resource the endpoint tags itself by row versions (<see cref="ConditionalGets.VersionETag"/>),
    /// answering 304 itself (<see cref="ConditionalGets.NotModified"/>): its answer goes out as it is written.
    /// </summary>
    public static readonly ConditionalGet Versioned = new(versioned: true);

    private ConditionalGet(bool versioned) => IsVersioned = versioned;

    public bool IsVersioned { get; }
}

/// <summary>
/// ETag, If-None-Match and Cache-Control for the endpoints marked <see cref="ConditionalGet"/>.
/// A single resource (a listing, a provider's profile) is tagged by the versions of the rows its
/// answer is built from (<see cref="VersionETag"/>), so the endpoint answers a matching
/// If-None-Match from one narrow lookup, before reading or serialising the answer. A list (browse,
/// reviews) is tagged by a hash of its bytes: it changes exactly when the answer does (a review
/// added, a listing's provider renamed...), whichever write changed it, and a match answers 304
/// after the read. A match answers 304 without a body either way. Anonymous answers may be kept
/// by shared caches for Marketplace:Caching:PublicMaxAgeSeconds; an answer to a request with
/// credentials (a bearer token or an API key, both in Authorization) is personal: <c>private, no-store</c>.
/// </summary>
internal static class ConditionalGets
{
    public const string Vary = "Authorization";

    public static WebApplication UseMarketplaceConditionalGets(this WebApplication app)
    {
        var maxAge = app.Services.GetRequiredService<MarketplaceOptions>().Caching.PublicMaxAgeSeconds;
        var publicCacheControl = $"public, max-age={maxAge}";
        // the other requests pass without an async state machine
        app.Use((http, next) => !HttpMethods.IsGet(http.Request.Method) || http.GetEndpoint()?.Metadata.GetMetadata<ConditionalGet>() is not { } kind
            ? next(http)
            : kind.IsVersioned ? PassVersioned(http, next, publicCacheControl)
            : AnswerAsync(http, next, publicCacheControl));
        return app;
    }

    /// <summary>
    /// A versioned answer is neither held nor hashed: its endpoint has set the ETag (and answered
    /// 304 itself) by the time the headers go out, when Cache-Control and Vary are added.
    /// </summary>
    private static Task PassVersioned(HttpContext http, RequestDelegate next, string publicCacheControl)
    {
        http.Response.OnStarting(static state =>
        {
            var (http, publicCacheControl) = ((HttpContext, string))state;
            var response = http.Response;
            response.Headers.Append(HeaderNames.Vary, Vary);
            response.Headers.CacheControl = response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified
                ? CacheControl(http, publicCacheControl)
                : "no-store";
            return Task.CompletedTask;
        }, (http, publicCacheControl));
        return next(http);
    }

    private static string CacheControl(HttpContext http, string publicCacheControl) =>
        string.IsNullOrEmpty(http.Request.Headers.Authorization) ? publicCacheControl : "private, no-store";

    private static async Task AnswerAsync(HttpContext http, RequestDelegate next, string publicCacheControl)
    {
        var response = http.Response;
        var body = response.Body;
        // pooled: a browse page is ~15 KB, and a MemoryStream grew to it by ~7 allocations and copies per request
        using var buffer = new PooledBody();
        response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            response.Body = body;
        }
        // appended: CORS may already vary the answer by Origin
        response.Headers.Append(HeaderNames.Vary, Vary);
        var cacheControl = CacheControl(http, publicCacheControl);
        if (response.StatusCode != StatusCodes.Status200OK)
        {
            response.Headers.CacheControl = "no-store";
            await body.WriteAsync(buffer.Written, http.RequestAborted);
            return;
        }
        var etag = ETagOf(buffer.Written.Span);
        response.Headers.ETag = etag;
        response.Headers.CacheControl = cacheControl;
        if (Matches(http.Request.Headers.IfNoneMatch, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            response.ContentType = null;
            response.ContentLength = null;
            return;
        }
        response.ContentLength = buffer.Written.Length;
        await body.WriteAsync(buffer.Written, http.RequestAborted);
    }

    /// <summary>
    /// A strong entity tag: the 128-bit XXH128 of the answer's bytes, base64url. A tag only has to
    /// change when the bytes do; a cryptographic hash bought nothing here and cost ~8 us of CPU per
    /// 15 KB browse page (SHA-256, ~4 % of a browse), XXH128 well under one.
    /// </summary>
    public static string ETagOf(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[16];
        System.IO.Hashing.XxHash128.Hash(body, hash);
        return $"\"{System.Buffers.Text.Base64Url.EncodeToString(hash)}\"";
    }

    // the build's identity: a deployment that changes an answer's shape changes every versioned tag (identical builds share it)
    private static readonly byte[] Build = typeof(ConditionalGets).Assembly.ManifestModule.ModuleVersionId.ToByteArray();

    /// <summary>
    /// A strong entity tag from the versions of the rows an answer is built from (PostgreSQL's
    /// <c>xmin</c>: every UPDATE of a row gives it a new one, whichever column and whichever
    /// writer), so an endpoint can answer If-None-Match from one narrow lookup without reading and
    /// serialising the whole answer. The same rows give the same tag on the primary and on a
    /// streaming replica. Any change to a row the answer reads must show in one of the versions.
    /// </summary>
    public static string VersionETag(ReadOnlySpan<uint> versions)
    {
        Span<byte> input = stackalloc byte[Build.Length + versions.Length * sizeof(uint)];
        Build.CopyTo(input);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(versions).CopyTo(input[Build.Length..]);
        return ETagOf(input);
    }

    /// <summary>
    /// Whether the request's If-None-Match matches <paramref name="etag"/>: then the tag is set on the
    /// response, and the endpoint answers 304 (the middleware adds Cache-Control and Vary).
    /// </summary>
    public static bool NotModified(HttpContext http, string etag)
    {
        if (!Matches(http.Request.Headers.IfNoneMatch, etag))
        {
            return false;
        }
        http.Response.Headers.ETag = etag;
        return true;
    }

    /// <summary>
    /// If-None-Match (RFC 9110 13.1.2): <c>*</c> or any listed tag equal to ours by the weak
    /// comparison (W/"x" matches "x"); a malformed header is no condition at all.
    /// </summary>
    public static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }
        var ours = EntityTagHeaderValue.Parse(etag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(ours, useStrongComparison: false));
    }
}

/// <summary>The answer of a conditional GET, held in arrays rented from the shared pool until it is hashed and sent.</summary>
internal sealed class PooledBody : Stream
{
    private const int InitialSize = 16 * 1024;
    private byte[] array = System.Buffers.ArrayPool<byte>.Shared.Rent(InitialSize);
    private int length;

    public ReadOnlyMemory<byte> Written => array.AsMemory(0, length);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => length;
    public override long Position { get => length; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (length + data.Length > array.Length)
        {
            var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(array.Length * 2, length + data.Length));
            array.AsSpan(0, length).CopyTo(larger);
            System.Buffers.ArrayPool<byte>.Shared.Return(array);
            array = larger;
        }
        data.CopyTo(array.AsSpan(length));
        length += data.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (length >= 0)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(array);
            array = [];
            length = -1;
        }
        base.Dispose(disposing);
    }
}

/// <summary>Documents If-None-Match, the ETag and Cache-Control headers and the 304 answer of the <see cref="ConditionalGet"/> operations.</summary>
internal sealed class ConditionalGetDocs : NSwag.Generation.Processors.IOperationProcessor
{
    public bool Process(NSwag.Generation.Processors.Contexts.OperationProcessorContext context)
    {
        if (context is not NSwag.Generation.AspNetCore.AspNetCoreOperationProcessorContext aspNet
            || !aspNet.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ConditionalGet>().Any())
        {
            return true;
        }
        var operation = context.OperationDescription.Operation;
        operation.Parameters.Add(new NSwag.OpenApiParameter
        {
            Name = "If-None-Match",
            Kind = NSwag.OpenApiParameterKind.Header,
            IsRequired = false,
            Description = "The ETag of an answer you already hold (or a list of them, or *): when the answer would be the same, "
                + "304 Not Modified without a body. Compared weakly, so W/\"...\" matches too.",
            Schema = new NJsonSchema.JsonSchema { Type = NJsonSchema.JsonObjectType.String, MaxLength = 1024 },
        });
        if (operation.Responses.TryGetValue("200", out var ok))
        {
            AddHeaders(ok);
        }
        var notModified = new NSwag.OpenApiResponse
        {
            Description = "Not Modified: the answer is the one whose ETag was sent in If-None-Match; no body.",
        };
        AddHeaders(notModified);
        operation.Responses["304"] = notModified;
        return true;
    }

    private static void AddHeaders(NSwag.OpenApiResponse response)
    {
        static NSwag.OpenApiHeader Header(string description) => new()
        {
            Description = description,
            Schema = new NJsonSchema.JsonSchema { Type = NJsonSchema.JsonObjectType.String },
        };
        response.Headers["ETag"] = Header("Strong entity tag of this answer; it changes whenever the answer does. Send it back in If-None-Match.");
        response.Headers["Cache-Control"] = Header("public, max-age=<Marketplace__Caching__PublicMaxAgeSeconds, default 30> without credentials; "
            + "private, no-store when the request carries a bearer token or API key.");
        response.Headers["Vary"] = Header("Authorization: the answer depends on the caller's credentials.");
    }
}
