using System.Net;
using System.Text;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>Request bodies are bounded (64 KB unless an endpoint documents more); over it is 413 before the body is buffered.</summary>
public sealed class RequestLimitsTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = "/api/v1/marketplace";
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_65_KB_login_body_is_a_413_problem()
    {
        var body = $$"""{"email":"a@example.test","password":"{{new string('x', 65 * 1024)}}"}""";
        var response = await app.Client().PostAsync($"{Api}/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_25_MB_body_with_its_length_is_refused_before_a_byte_is_read()
    {
        var content = new CountingContent(25 * MiB, withLength: true);
        var response = await app.Client().PostAsync($"{Api}/auth/login", content);

        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.True(content.Sent < MiB, $"the server read {content.Sent} bytes of a body it refused by its length");
    }

    [Fact]
    public async Task A_25_MB_chunked_body_is_cut_at_the_limit()
    {
        var content = new CountingContent(25 * MiB, withLength: false);
        var response = await app.Client().PostAsync($"{Api}/auth/login", content);

        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.True(content.Sent < 2 * MiB, $"the server read {content.Sent} bytes past a 64 KB limit");
    }

    [Fact]
    public async Task The_Stripe_webhook_takes_bodies_above_64_KB_up_to_its_own_limit()
    {
        var payload = $$"""{"id":"evt_big","padding":"{{new string('x', 200 * 1024)}}"}""";
        // a 200 KB event reaches the signature check (bad signature: 400), a 600 KB one does not
        await (await app.PostWebhookAsync(payload, secret: "whsec_wrong")).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        var huge = $$"""{"id":"evt_huge","padding":"{{new string('x', 600 * 1024)}}"}""";
        await (await app.PostWebhookAsync(huge)).AssertProblem(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task The_limit_is_configurable()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Limits:MaxRequestBodyBytes"] = "2048" });
        var body = $$"""{"email":"a@example.test","password":"{{new string('x', 3000)}}"}""";
        var response = await host.CreateClient().PostAsync($"{Api}/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_URL_longer_than_8_KB_is_a_414_problem()
    {
        var response = await app.Client().GetAsync($"{Api}/listings?q={new string('a', 9000)}");
        await response.AssertProblem(HttpStatusCode.RequestUriTooLong, "uri_too_long");
    }

    /// <summary>A JSON-typed body of zeros that counts how much of it the server pulled.</summary>
    private sealed class CountingContent : HttpContent
    {
        private readonly long length;
        private readonly bool withLength;
        private long sent;

        public CountingContent(long length, bool withLength)
        {
            this.length = length;
            this.withLength = withLength;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public long Sent => Interlocked.Read(ref sent);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[16 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            try
            {
                while (sent < length)
                {
                    var n = (int)Math.Min(chunk.Length, length - sent);
                    await stream.WriteAsync(chunk.AsMemory(0, n));
                    Interlocked.Add(ref sent, n);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // the server answered and stopped reading: what we could send is the measure
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = this.length;
            return withLength;
        }
    }
}
