using System.Net;
using System.Net.Sockets;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks;

/// <summary>
/// Where webhooks may go (SSRF): https outside Development, never a loopback, private, link-local
/// or otherwise internal address unless configured for tests. Checked when an endpoint is saved
/// AND on every connection (<see cref="CreateHandler"/>), on the address actually dialled, so a
/// DNS name that later resolves inward is refused at delivery time.
/// </summary>
public sealed class WebhookTargets(MarketplaceOptions options, IHostEnvironment environment)
{
    private bool AllowHttp => options.Webhooks.AllowHttp || environment.IsDevelopment();

    /// <summary>The problem with this URL as a target, or null when it is acceptable.</summary>
    public async Task<string?> ProblemAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "url must be an absolute https URL.";
        }
        if (uri.Scheme == "http" && !AllowHttp)
        {
            return "url must use https.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "url must not contain credentials or a fragment.";
        }
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(uri.DnsSafeHost, ct);
        }
        catch (SocketException)
        {
            return "url's host does not resolve.";
        }
        if (addresses.Length == 0)
        {
            return "url's host does not resolve.";
        }
        return addresses.Any(Refused) ? "url resolves to a loopback, private or link-local address." : null;
    }

    public bool Refused(IPAddress address) => !options.Webhooks.AllowPrivateTargets && IsInternal(address);

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
        }
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }

    /// <summary>The handler deliveries use: it dials only addresses this policy accepts, and follows no redirect.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MaxConnectionsPerServer = 8,
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            var allowed = addresses.Where(a => !Refused(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"refused: {context.DnsEndPoint.Host} resolves to an internal address");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
