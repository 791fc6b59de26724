using System.Diagnostics;
using System.Diagnostics.Metrics;
using LinqToDB;
using Marketplace.Api.Data;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Logs (one line per entry, JSON with Marketplace:Logging:Json), and OpenTelemetry traces and
/// metrics exported over OTLP when the standard OTEL_EXPORTER_OTLP_ENDPOINT is set; with it unset
/// no SDK is registered and nothing is collected. The exporter reads the other standard OTEL_*
/// variables itself (protocol, headers, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "marketplace-api";

    /// <summary>The marketplace's own meter (outbox, webhooks, background jobs).</summary>
    public static readonly Meter Meter = new("Marketplace");

    private static readonly Counter<long> JobRunCounter = Meter.CreateCounter<long>(
        "marketplace.job.runs", unit: "{run}", description: "Background job rounds, by job and outcome (ok or failed).");

    /// <summary>Counts one round of a background job (tags: job, outcome).</summary>
    public static void JobRun(string job, bool ok) =>
        JobRunCounter.Add(1, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));

    /// <summary>The OTLP endpoint if telemetry export is switched on.</summary>
    public static string? OtlpEndpoint(IConfiguration configuration) =>
        configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint && !string.IsNullOrWhiteSpace(endpoint) ? endpoint : null;

    public static WebApplicationBuilder AddMarketplaceTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddMarketplaceLogging();
        builder.Services.AddSingleton<OperationalGauges>();
        if (OtlpEndpoint(builder.Configuration) is null)
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(Telemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(t => t.AddMarketplaceInstrumentation().AddOtlpExporter())
            .WithMetrics(m => m.AddMarketplaceInstrumentation().AddOtlpExporter());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationalGauges>());
        return builder;
    }

    /// <summary>What is traced: incoming requests, PostgreSQL commands, outbound HTTP (Stripe) and SMTP (MailKit).</summary>
    public static TracerProviderBuilder AddMarketplaceInstrumentation(this TracerProviderBuilder tracing)
    {
        // MailKit's SMTP spans and metrics exist only once switched on
        MailKit.Telemetry.SmtpClient.Configure();
        return tracing.AddMarketplaceSources();
    }

    private static TracerProviderBuilder AddMarketplaceSources(this TracerProviderBuilder tracing) => tracing
        .AddAspNetCoreInstrumentation(o =>
        {
            // probes every few seconds would drown the traces that matter
            o.Filter = http => !http.Request.Path.StartsWithSegments("/health");
        })
        .AddHttpClientInstrumentation()
        .AddNpgsql()
        .AddSource(MailKit.Telemetry.SmtpClient.ActivitySourceName);

    /// <summary>
    /// What is measured: request rate and latency (http.server.request.duration), PostgreSQL pool use
    /// (db.client.connection.count / max), outbound calls, the runtime, and the marketplace's own
    /// gauges and counters (see <see cref="OperationalGauges"/> and <see cref="JobRun"/>).
    /// </summary>
    public static MeterProviderBuilder AddMarketplaceInstrumentation(this MeterProviderBuilder metrics) => metrics
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddRuntimeInstrumentation()
        .AddNpgsqlInstrumentation()
        .AddMeter(Meter.Name, MailKit.Telemetry.SmtpClient.MeterName);

    private static void AddMarketplaceLogging(this WebApplicationBuilder builder)
    {
        // trace and span ids ride along every entry written while an activity is current
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // the hosting scope carries the connection's request id; ours (RequestLogging) is the one to quote
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.ClearProviders();
        if (builder.Configuration.GetValue<bool>($"{MarketplaceOptions.Section}:Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    }
}

/// <summary>
/// Gauges read from the database every <see cref="Interval"/> (a metric callback must not query):
/// the e-mail outbox backlog and the age of its oldest due mail, and the webhook processing lag
/// (Stripe's event time to our processing, worst of the events processed in the last interval).
/// Runs only when telemetry is exported. Every instance samples; the values are the same for all.
/// </summary>
internal sealed class OperationalGauges : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly DataOptions<Db> dataOptions;
    private readonly TimeProvider clock;
    private readonly ILogger<OperationalGauges> logger;
    private long outboxBacklog;
    private double outboxOldestSeconds;
    private double webhookLagSeconds;

    public OperationalGauges(DataOptions<Db> dataOptions, TimeProvider clock, ILogger<OperationalGauges> logger)
    {
        this.dataOptions = dataOptions;
        this.clock = clock;
        this.logger = logger;
        Instruments =
        [
            Telemetry.Meter.CreateObservableGauge("marketplace.outbox.backlog", () => Volatile.Read(ref outboxBacklog),
                unit: "{mail}", description: "E-mails waiting in the outbox (not sent, not given up)."),
            Telemetry.Meter.CreateObservableGauge("marketplace.outbox.oldest_age", () => Volatile.Read(ref outboxOldestSeconds),
                unit: "s", description: "Age of the oldest due e-mail in the outbox (0 when empty)."),
            Telemetry.Meter.CreateObservableGauge("marketplace.webhook.processing_lag", () => Volatile.Read(ref webhookLagSeconds),
                unit: "s", description: "Worst time from Stripe creating an event to its processing, over the last sampling interval."),
        ];
    }

    /// <summary>This sampler's gauges.</summary>
    public IReadOnlyList<System.Diagnostics.Metrics.Instrument> Instruments { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
                Telemetry.JobRun("operational_gauges", ok: true);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Telemetry.JobRun("operational_gauges", ok: false);
                logger.LogWarning("Sampling the outbox and webhook gauges failed: {Error}", ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public async Task SampleAsync(CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await Pg.QueryAsync(db,
            """
            SELECT (SELECT count(*) FROM marketplace.email_outbox WHERE sent_at IS NULL AND failed_at IS NULL),
                   (SELECT min(available_at) FROM marketplace.email_outbox WHERE sent_at IS NULL AND failed_at IS NULL),
                   (SELECT max(extract(epoch FROM processed_at - event_created_at))::float8
                      FROM marketplace.stripe_events WHERE processed_at >= $1)
            """,
            r => (Count: r.GetInt64(0), Oldest: r.Get<DateTime?>(1), Lag: r.Get<double?>(2)),
            ct, Pg.P(now - Interval));
        var (count, oldest, lag) = rows.Single();
        Volatile.Write(ref outboxBacklog, count);
        Volatile.Write(ref outboxOldestSeconds, oldest is { } o && o < now ? (now - o).TotalSeconds : 0);
        Volatile.Write(ref webhookLagSeconds, lag ?? 0);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
