using Marketplace.Migrations;
using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Migrations;

/// <summary>Several instances starting together with MigrateOnStartup (or a CLI run beside them) migrate one at a time.</summary>
public sealed class MigrationLockTests
{
    [Fact]
    public async Task Concurrent_migrate_up_calls_on_a_fresh_database_all_succeed_and_apply_each_migration_once()
    {
        // a race needs a few tries to show: three fresh databases, three migrators on each at once
        for (var round = 0; round < 3; round++)
        {
            var cs = await TestDatabase.CreateAsync("lock");
            try
            {
                using var start = new Barrier(3);
                var runs = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
                {
                    start.SignalAndWait();
                    MarketplaceMigrator.MigrateUp(cs);
                }));
                await Task.WhenAll(runs);

                await using var db = new NpgsqlConnection(cs);
                await db.OpenAsync();
                await using var count = new NpgsqlCommand(
                    $"SELECT count(*), count(DISTINCT version) FROM {MarketplaceMigrator.VersionTable.SchemaNameValue}.{MarketplaceMigrator.VersionTable.TableNameValue}", db);
                await using var reader = await count.ExecuteReaderAsync();
                await reader.ReadAsync();
                Assert.Equal(MarketplaceMigrator.Known.Count, reader.GetInt64(0));
                Assert.Equal(MarketplaceMigrator.Known.Count, reader.GetInt64(1));
            }
            finally
            {
                await TestDatabase.DropAsync(cs);
            }
        }
    }

    [Fact]
    public async Task The_migration_lock_is_released_when_the_run_ends()
    {
        var cs = await TestDatabase.CreateMigratedAsync("lock");
        try
        {
            await using var db = new NpgsqlConnection(cs);
            await db.OpenAsync();
            await using var held = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", db);
            Assert.Equal(0L, await held.ExecuteScalarAsync());
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }
}
