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
            // timestamptz values are always read and written as UTC, whatever the server's zone
            connectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:Marketplace is not a valid PostgreSQL connection string: {ex.Message}");
        }

        // DataOptions are built once; a Db (one connection) per request.
        var options = new DataOptions<Db>(new DataOptions().UsePostgreSQL(connectionString, PostgreSQLVersion.v15));
        builder.Services.AddSingleton(options);
        builder.Services.AddScoped<Db>();

        // the optional read replica: public anonymous reads go through ReadDb (README: read replicas)
        var replicaConnectionString = ReadReplica.Prepare(builder.Configuration.GetConnectionString(ReadReplica.ConnectionStringName));
        builder.Services.AddSingleton(sp => new ReadReplica(
            replicaConnectionString, sp.GetRequiredService<MarketplaceOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReadReplica>>()));
        builder.Services.AddScoped<ReadDb>();
        return builder;
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
