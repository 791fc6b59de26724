using Marketplace.Migrations;
using Npgsql;

namespace Marketplace.Tests.Infrastructure;

/// <summary>
/// Databases of the test run, on the server named by ConnectionStrings__Marketplace (the test
/// command starts a private cluster and sets it). Each run gets fresh databases; databases of
/// earlier runs older than a day are dropped.
/// </summary>
public static class TestDatabase
{
    private const string Prefix = "marketplace_test_";

    public static string ServerConnectionString { get; } =
        Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace")
        ?? throw new InvalidOperationException(
            "ConnectionStrings__Marketplace is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL.");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string purpose)
    {
        var name = $"{Prefix}{DateTime.UtcNow:yyyyMMddHHmmss}_{purpose}_{Guid.NewGuid():N}"[..63].TrimEnd('_');
        await using var admin = await OpenAdminAsync();
        await DropStaleAsync(admin);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin))
        {
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true, MaxPoolSize = 100 }.ConnectionString;
    }

    /// <summary>Creates a database with every migration applied, through the runner the CLI uses.</summary>
    public static async Task<string> CreateMigratedAsync(string purpose)
    {
        var connectionString = await CreateAsync(purpose);
        MarketplaceMigrator.MigrateUp(connectionString);
        return connectionString;
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = await OpenAdminAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        return admin;
    }

    private static async Task DropStaleAsync(NpgsqlConnection admin)
    {
        var stale = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'marketplace\\_test\\_%'", admin))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var name = reader.GetString(0);
                if (name.Length > Prefix.Length + 14
                    && DateTime.TryParseExact(name.AsSpan(Prefix.Length, 14), "yyyyMMddHHmmss", null, System.Globalization.DateTimeStyles.AssumeUniversal, out var created)
                    && created < DateTime.UtcNow.AddDays(-1))
                {
                    stale.Add(name);
                }
            }
        }
        foreach (var name in stale)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
