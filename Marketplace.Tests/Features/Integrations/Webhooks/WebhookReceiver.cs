using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Marketplace.Tests.Features.Integrations.Webhooks;

/// <summary>A webhook receiver on loopback (HttpListener) that records what it got and answers as told.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stop = new();

    public sealed record Received(string Id, string Timestamp, string Signature, string Body, DateTime At);

    public ConcurrentQueue<Received> Requests { get; } = new();
    public string Url { get; }
    public int Status { get; set; } = 204;
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public WebhookReceiver()
    {
        var port = Infrastructure.AppFixture.FreePort();
        Url = $"http://127.0.0.1:{port}/hooks";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                Requests.Enqueue(new Received(context.Request.Headers["webhook-id"] ?? "", context.Request.Headers["webhook-timestamp"] ?? "",
                    context.Request.Headers["webhook-signature"] ?? "", body, DateTime.UtcNow));
                if (Delay > TimeSpan.Zero)
                {
                    try { await Task.Delay(Delay, stop.Token); } catch (OperationCanceledException) { }
                }
                try
                {
                    context.Response.StatusCode = Status;
                    context.Response.Close();
                }
                catch (Exception)
                {
                    // the sender gave up already
                }
            });
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
    }
}

/// <summary>
/// A Standard Webhooks verifier written from the spec (standardwebhooks.com, "Verifying webhooks"):
/// the signed content is <c>{webhook-id}.{webhook-timestamp}.{body}</c>, the key is the base64 part of
/// <c>whsec_...</c>, the header holds space-separated <c>v1,{base64 HMAC-SHA256}</c> signatures, any
/// one of which may match, and a timestamp more than 5 minutes off is refused.
/// </summary>
public static class StandardWebhooks
{
    public static bool Verify(string secret, string id, string timestamp, string signatureHeader, string body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(now.ToUnixTimeSeconds() - seconds) > 300)
        {
            return false;
        }
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = part.IndexOf(',');
            if (comma < 0 || part[..comma] != "v1")
            {
                continue;
            }
            byte[] given;
            try
            {
                given = Convert.FromBase64String(part[(comma + 1)..]);
            }
            catch (FormatException)
            {
                continue;
            }
            if (CryptographicOperations.FixedTimeEquals(given, expected))
            {
                return true;
            }
        }
        return false;
    }
}
