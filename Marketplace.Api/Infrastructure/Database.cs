using LinqToDB;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Migrations;

namespace Marketplace.Api.Infrastructure;

internal static class Database
{
    public const string ConnectionStringName = "Marketplace";

    public static WebApplicationBuilder AddMarketplaceDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Marketplace is required (env ConnectionStrings__Marketplace): the PostgreSQL connection string.");
        }
        try
        {
            connectionString = Tune(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:Marketplace is not a valid PostgreSQL connection string: {ex.Message}");
        }

        // DataOptions are built once; a Db (one connection) per request.
        var options = new DataOptions<Db>(new DataOptions().UsePostgreSQL(connectionString, PostgreSQLVersion.v15));
        builder.Services.AddSingleton(options);
        // the scope's ReadDb learns of its Db, so a direct read after a Db query shares that open connection (ReadDb)
        builder.Services.AddScoped(sp => sp.GetRequiredService<ReadDb>().Attach(new Db(options)));

        // the optional read replica: public anonymous reads go through ReadDb (README: read replicas)
        var replicaConnectionString = ReadReplica.Prepare(builder.Configuration.GetConnectionString(ReadReplica.ConnectionStringName));
        builder.Services.AddSingleton(sp => new ReadReplica(
            replicaConnectionString, sp.GetRequiredService<MarketplaceOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReadReplica>>()));
        builder.Services.AddSingleton<PrimaryConnections>();
        builder.Services.AddScoped<ReadDb>();
        return builder;
    }

    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>
    /// The connection settings the API applies to the configured connection string (README:
    /// connection settings); a setting the operator gives explicitly wins.
    /// </summary>
    internal static string Tune(string connectionString)
    {
        // timestamptz values are always read and written as UTC, whatever the server's zone
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        // Npgsql prepares the statements a connection runs often, so PostgreSQL plans them once, not per execution
        // (benchmarks/RawFloor: +20-120 % req/s on the listing reads); an explicit Max Auto Prepare (0 switches it off) wins
        if (!ExplicitlySet(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }
        // A connection taken from the pool is not reset first (RESET ALL, pg_advisory_unlock_all, DISCARD
        // TEMP... in front of its first statement, for every request): nothing the API runs leaves state in
        // a session. Its settings are transaction-local (set_config(..., true)), its advisory locks are
        // transaction locks, an open transaction is still rolled back when a connection goes back, and the
        // one session-level lock (an idempotency key's) lives in a pool of its own that keeps the reset
        // (Idempotency). benchmarks/RawFloor: +22 % req/s on browse, +41 % on GET /listings/{slug}, lower p99.
        if (!ExplicitlySet(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
        }
        return settings.ConnectionString;
    }

    private static bool ExplicitlySet(string connectionString, params string[] keywords)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keywords.Any(given.ContainsKey);
    }

    /// <summary>Applies pending migrations when Marketplace:Database:MigrateOnStartup is true.</summary>
    public static WebApplication MigrateIfConfigured(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<MarketplaceOptions>();
        if (options.Database.MigrateOnStartup)
        {
            var connectionString = app.Configuration.GetConnectionString(ConnectionStringName)!;
            app.Logger.LogInformation("Applying pending database migrations");
            MarketplaceMigrator.MigrateUp(connectionString);
        }
        return app;
    }
}
