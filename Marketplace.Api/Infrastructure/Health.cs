using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Migrations;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Marketplace.Api.Infrastructure;

internal static class Health
{
    public static IServiceCollection AddMarketplaceHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseReady>("database", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapMarketplaceHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .WithSummary("Liveness: the process answers").ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = Write })
            .WithSummary("Readiness: the database answers and no migration is pending").ExcludeFromDescription();
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

    /// <summary>Ready when the database answers and every migration of this build is applied.</summary>
    private sealed class DatabaseReady(Db db) : IHealthCheck
    {
        private static readonly string AppliedSql =
            $"SELECT version FROM {MarketplaceMigrator.VersionTable.SchemaNameValue}.{MarketplaceMigrator.VersionTable.TableNameValue}";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                var versionTableExists = await db.ExecuteAsync<bool>(
                    "SELECT to_regclass(@name) IS NOT NULL", ct,
                    new DataParameter("name", $"{MarketplaceMigrator.VersionTable.SchemaNameValue}.{MarketplaceMigrator.VersionTable.TableNameValue}"));
                var applied = versionTableExists
                    ? (await db.QueryToListAsync<long>(AppliedSql, ct)).ToHashSet()
                    : [];
                var pending = MarketplaceMigrator.Known.Count(m => !applied.Contains(m.Version));
                return pending == 0
                    ? HealthCheckResult.Healthy("database reachable, schema up to date")
                    : HealthCheckResult.Unhealthy($"{pending} migration(s) pending");
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
    }
}
