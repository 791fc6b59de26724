using System.Text.Json;
using Marketplace.Migrations;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Marketplace.Api.Infrastructure;

internal static class Health
{
    public static IServiceCollection AddMarketplaceHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseReady>("database", tags: ["ready"])
            .AddCheck<MigrationsApplied>("migrations", tags: ["ready"])
            .AddCheck<ReplicaReachable>("replica", tags: ["ready"])
            .AddCheck<SmtpReachable>("smtp", tags: ["ready"])
            .AddCheck<StripeConfigured>("stripe", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapMarketplaceHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .WithSummary("Liveness: the process answers").ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = Write })
            .WithSummary("Readiness: each dependency in the body; 503 when the database is down or a migration is pending (never for the read replica alone)").ExcludeFromDescription();
        return app;
    }

    private static Task Write(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
            }),
        }));
    }

    // The two database checks run on a plain Npgsql connection from linq2db's pool (PrimaryConnections): the first
    // readiness answer after a start then does not wait for linq2db's first query to be built (benchmarks/RawFloor: cold start).

    /// <summary>The database answers a query.</summary>
    private sealed class DatabaseReady(PrimaryConnections primary) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                await using var connection = primary.Create();
                await connection.OpenAsync(ct);
                await Pg.QueryAsync(connection, "SELECT 1", r => r.GetInt32(0), ct);
                return HealthCheckResult.Healthy("database reachable");
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
    }

    /// <summary>Every migration of this build is applied (an API ahead of its schema would answer 500s).</summary>
    private sealed class MigrationsApplied(PrimaryConnections primary) : IHealthCheck
    {
        private static readonly string VersionTable = $"{MarketplaceMigrator.VersionTable.SchemaNameValue}.{MarketplaceMigrator.VersionTable.TableNameValue}";

        private static readonly string AppliedSql = $"SELECT version FROM {VersionTable}";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                await using var connection = primary.Create();
                await connection.OpenAsync(ct);
                var versionTableExists = (await Pg.QueryAsync(connection, "SELECT to_regclass($1) IS NOT NULL", r => r.GetBoolean(0), ct, Pg.P(VersionTable)))[0];
                HashSet<long> applied = versionTableExists ? [.. await Pg.QueryAsync(connection, AppliedSql, r => r.GetInt64(0), ct)] : [];
                var pending = MarketplaceMigrator.Known.Count(m => !applied.Contains(m.Version));
                return pending == 0
                    ? HealthCheckResult.Healthy($"schema up to date at version {MarketplaceMigrator.Known[^1].Version}")
                    : HealthCheckResult.Unhealthy($"{pending} migration(s) pending: run the migrations CLI's 'up' (or set Marketplace__Database__MigrateOnStartup=true)");
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("unknown: database unreachable");
            }
        }
    }

    /// <summary>
    /// The read replica answers as a standby. Degraded, never unhealthy, when it does not: public
    /// reads fall back to the primary, so the instance still serves everything.
    /// </summary>
    private sealed class ReplicaReachable(ReadReplica replica) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            if (!replica.Configured)
            {
                return HealthCheckResult.Healthy("not configured (ConnectionStrings__MarketplaceReadOnly): every read uses the primary");
            }
            try
            {
                if (!await replica.IsStandbyAsync(ct))
                {
                    return HealthCheckResult.Degraded($"{replica.Target} answers but is not a standby (pg_is_in_recovery() is false); public reads use it anyway");
                }
                replica.Succeeded();
                return HealthCheckResult.Healthy($"standby reachable at {replica.Target}; public anonymous reads use it");
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && (ReadReplica.IsDown(ex) || ex is TimeoutException or Npgsql.NpgsqlException))
            {
                return HealthCheckResult.Degraded($"unreachable at {replica.Target}: public reads use the primary until it answers");
            }
        }
    }

    /// <summary>
    /// The SMTP server accepts a TCP connection. Degraded, not unhealthy, when it does not: mails
    /// wait in the outbox and go out once it is back, so the API can still serve.
    /// </summary>
    private sealed class SmtpReachable(MarketplaceOptions options) : IHealthCheck
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var smtp = options.Smtp;
            if (smtp.Host is null)
            {
                return HealthCheckResult.Healthy("not configured: mails are written as .eml files under the data folder");
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(smtp.Host, smtp.Port, timeout.Token);
                return HealthCheckResult.Healthy($"reachable at {smtp.Host}:{smtp.Port}");
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return HealthCheckResult.Degraded($"unreachable at {smtp.Host}:{smtp.Port}: mails wait in the outbox until it answers");
            }
        }
    }

    /// <summary>
    /// Stripe's keys are set. Configuration only: a readiness probe every few seconds must not call
    /// Stripe. Degraded without them: everything but payments works.
    /// </summary>
    private sealed class StripeConfigured(MarketplaceOptions options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var stripe = options.Stripe;
            var target = stripe.ApiBase is null ? "api.stripe.com" : stripe.ApiBase;
            var result = stripe.SecretKey is null
                ? HealthCheckResult.Degraded("not configured (Marketplace__Stripe__SecretKey): payment endpoints answer 503 stripe_not_configured")
                : stripe.WebhookSecret is null
                    ? HealthCheckResult.Degraded($"secret key set ({target}) but no Marketplace__Stripe__WebhookSecret: payments cannot be confirmed by webhooks")
                    : HealthCheckResult.Healthy($"configured ({target})");
            return Task.FromResult(result);
        }
    }
}
