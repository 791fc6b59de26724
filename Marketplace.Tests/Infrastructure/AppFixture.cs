using System.Net.Http.Headers;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using netDumbster.smtp;

namespace Marketplace.Tests.Infrastructure;

/// <summary>
/// The API under test, shared by every test class of the run (so classes run in parallel against
/// one host): a fresh, migrated database, a real SMTP server in-process, test configuration.
/// Test classes take it with <c>IClassFixture&lt;AppFixture&gt;</c>; the first one creates it.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Shared? shared;

    public string ConnectionString => State.ConnectionString;
    public SimpleSmtpServer Smtp => State.Smtp;
    public WebApplicationFactory<Program> Factory => State.Factory;
    public Infrastructure.Stripe.FakeStripe Stripe => State.Stripe;

    private Shared State => shared ?? throw new InvalidOperationException("AppFixture is not initialised");

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            shared ??= await Shared.StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An HTTP client of the shared host, optionally with a bearer token.</summary>
    public HttpClient Client(string? accessToken = null)
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        return client;
    }

    /// <summary>A direct connection to the test database, to arrange rows and check what was stored.</summary>
    public Db Db() => new(new DataOptions<Db>(new DataOptions().UsePostgreSQL(
        new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Timezone = "UTC" }.ConnectionString, PostgreSQLVersion.v15)));

    /// <summary>
    /// A second host over the same database with its own clock and extra settings, for tests that
    /// move time or change configuration without disturbing the shared host.
    /// </summary>
    public WebApplicationFactory<Program> Isolated(TimeProvider? clock = null, IDictionary<string, string?>? settings = null) =>
        Factory.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                b.UseSetting(key, value);
            }
            if (clock is not null)
            {
                b.ConfigureTestServices(s => s.Replace(ServiceDescriptor.Singleton(clock)));
            }
        });

    /// <summary>Where disputes and failed refunds are reported in the tests.</summary>
    public const string OperatorsEmail = "operators@marketplace.test";

    /// <summary>The settings every host of the run starts with.</summary>
    public static IReadOnlyDictionary<string, string?> BaseSettings(string connectionString, int smtpPort, string dataDirectory, string stripeApiBase) =>
        new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marketplace"] = connectionString,
            ["Marketplace:PublicBaseUrl"] = "https://app.marketplace.test",
            ["Marketplace:DataDirectory"] = dataDirectory,
            ["Marketplace:Auth:SigningKey"] = "test-signing-key-of-at-least-32-bytes-long!!",
            ["Marketplace:Smtp:Host"] = "127.0.0.1",
            ["Marketplace:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Marketplace:Smtp:From"] = "Marketplace <no-reply@marketplace.test>",
            ["Marketplace:Smtp:PollMilliseconds"] = "100",
            // every test shares one host and one client IP: only the rate-limit tests use a low limit, on a host of their own
            ["Marketplace:RateLimiting:AuthPerMinute"] = "10000",
            ["Marketplace:Database:MigrateOnStartup"] = "false",
            // hosts with a moved clock would expire every test's bookings: the booking-expiry tests run the job by hand
            ["Marketplace:Bookings:JobEnabled"] = "false",
            ["Marketplace:Stripe:SecretKey"] = Infrastructure.Stripe.FakeStripe.SecretKey,
            ["Marketplace:Stripe:WebhookSecret"] = Infrastructure.Stripe.FakeStripe.WebhookSecret,
            ["Marketplace:Stripe:ConnectWebhookSecret"] = Infrastructure.Stripe.FakeStripe.ConnectWebhookSecret,
            ["Marketplace:Stripe:ApiBase"] = stripeApiBase,
            // webhook tests drive delivery rounds themselves (on their own hosts and clocks)
            ["Marketplace:Webhooks:BackgroundDelivery"] = "false",
            ["Marketplace:Operators:Email"] = OperatorsEmail,
        };

    private sealed class Shared
    {
        public required string ConnectionString { get; init; }
        public required SimpleSmtpServer Smtp { get; init; }
        public required WebApplicationFactory<Program> Factory { get; init; }
        public required Infrastructure.Stripe.FakeStripe Stripe { get; init; }

        public static async Task<Shared> StartAsync()
        {
            var connectionString = await TestDatabase.CreateMigratedAsync("app");
            var smtp = SimpleSmtpServer.Start(FreePort());
            var dataDirectory = Path.Combine(Path.GetTempPath(), "marketplace-tests", Guid.NewGuid().ToString("N"));
            var stripe = await Infrastructure.Stripe.FakeStripe.StartAsync();
            var settings = BaseSettings(connectionString, smtp.Configuration.Port, dataDirectory, stripe.ApiBase);
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Testing");
                foreach (var (key, value) in settings)
                {
                    b.UseSetting(key, value);
                }
            });
            _ = factory.Server; // start the host now, so a broken start-up fails here and not in a random test

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                factory.Dispose();
                smtp.Dispose();
                TestDatabase.DropAsync(connectionString).GetAwaiter().GetResult();
            };
            return new Shared { ConnectionString = connectionString, Smtp = smtp, Factory = factory, Stripe = stripe };
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
