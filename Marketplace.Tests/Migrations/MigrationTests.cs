using FluentMigrator.Runner;
using Marketplace.Migrations;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Marketplace.Tests.Migrations;

public sealed class MigrationTests
{
    [Fact]
    public async Task Every_migration_goes_down_to_zero_and_back_up_cleanly()
    {
        var cs = await TestDatabase.CreateAsync("updown");
        try
        {
            MarketplaceMigrator.MigrateUp(cs);
            var schemaAfterFirstUp = await SchemaFingerprintAsync(cs);
            Assert.Contains("marketplace.users", schemaAfterFirstUp, StringComparison.Ordinal);

            using (var services = MarketplaceMigrator.CreateServices(cs))
            {
                services.GetRequiredService<IMigrationRunner>().MigrateDown(0);
            }
            Assert.Equal(0, await ScalarAsync<long>(cs, "SELECT count(*) FROM pg_namespace WHERE nspname = 'marketplace'"));
            Assert.Equal(0, await AppliedCountAsync(cs));

            MarketplaceMigrator.MigrateUp(cs);
            Assert.Equal(schemaAfterFirstUp, await SchemaFingerprintAsync(cs));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task The_database_runs_without_JIT_so_a_statement_over_jit_above_cost_is_not_compiled()
    {
        const string Dear = "EXPLAIN SELECT count(*) FROM generate_series(1, 10000000)"; // estimated 125,000, over jit_above_cost
        var cs = await TestDatabase.CreateAsync("jit");
        try
        {
            Assert.True(await ScalarAsync<bool>(cs, "SELECT pg_jit_available()"), "the test cluster's PostgreSQL has JIT (llvmjit)");
            Assert.Equal("on", await ScalarAsync<string>(cs, "SHOW jit"));
            Assert.Contains("JIT:", await PlanAsync(cs, Dear), StringComparison.Ordinal);

            MarketplaceMigrator.MigrateUp(cs);
            NpgsqlConnection.ClearAllPools(); // the setting reaches sessions opened after it

            Assert.Equal("off", await ScalarAsync<string>(cs, "SHOW jit"));
            Assert.DoesNotContain("JIT:", await PlanAsync(cs, Dear), StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public async Task A_migrating_role_that_does_not_own_the_database_leaves_JIT_on_with_a_warning_and_goes_on()
    {
        var cs = await TestDatabase.CreateAsync("jitrole");
        var role = $"not_owner_{Guid.NewGuid():N}"[..24];
        try
        {
            await ExecuteAsync(cs, $"CREATE ROLE {role} LOGIN");
            var notices = new List<string>();
            var asRole = new NpgsqlConnectionStringBuilder(cs) { Username = role, Pooling = false }.ConnectionString;
            await using (var connection = new NpgsqlConnection(asRole))
            {
                connection.Notice += (_, e) => notices.Add($"{e.Notice.Severity}: {e.Notice.MessageText}");
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(Marketplace.Migrations.Versions.M202611273300_JitOff.UpSql, connection);
                await command.ExecuteNonQueryAsync();
            }

            Assert.Contains(notices, n => n.StartsWith("WARNING: jit stays on", StringComparison.Ordinal));
            Assert.Equal("on", await ScalarAsync<string>(asRole, "SHOW jit"));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
            await ExecuteAsync(TestDatabase.ServerConnectionString, $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task Each_migration_can_be_rolled_back_one_step_at_a_time()
    {
        var cs = await TestDatabase.CreateAsync("steps");
        try
        {
            MarketplaceMigrator.MigrateUp(cs);
            using var services = MarketplaceMigrator.CreateServices(cs);
            var runner = services.GetRequiredService<IMigrationRunner>();
            for (var applied = MarketplaceMigrator.Known.Count; applied > 0; applied--)
            {
                runner.Rollback(1);
                Assert.Equal(applied - 1, await AppliedCountAsync(cs));
            }
            MarketplaceMigrator.MigrateUp(cs);
            Assert.Equal(MarketplaceMigrator.Known.Count, await AppliedCountAsync(cs));
        }
        finally
        {
            await TestDatabase.DropAsync(cs);
        }
    }

    [Fact]
    public void Migration_versions_are_unique_and_described()
    {
        Assert.Equal(MarketplaceMigrator.Known.Count, MarketplaceMigrator.Known.Select(m => m.Version).Distinct().Count());
        Assert.All(MarketplaceMigrator.Known, m => Assert.False(string.IsNullOrWhiteSpace(m.Description)));
    }

    /// <summary>Tables, columns, constraints and indexes of the schema as one comparable text.</summary>
    private static async Task<string> SchemaFingerprintAsync(string cs)
    {
        const string sql = """
            SELECT string_agg(line, E'\n' ORDER BY line) FROM (
              SELECT 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
                FROM information_schema.columns WHERE table_schema = 'marketplace'
              UNION ALL
              SELECT 'table marketplace.' || relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'marketplace' AND c.relkind = 'r'
              UNION ALL
              SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'marketplace'
              UNION ALL
              SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'marketplace'
              UNION ALL
              SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'marketplace' AND NOT t.tgisinternal
            ) lines
            """;
        return await ScalarAsync<string>(cs, sql);
    }

    /// <summary>Rows of the version table (FluentMigrator drops the table when the last migration is reverted).</summary>
    private static async Task<long> AppliedCountAsync(string cs)
    {
        const string table = $"{MarketplaceMigrator.VersionTable.SchemaNameValue}.{MarketplaceMigrator.VersionTable.TableNameValue}";
        return await ScalarAsync<bool>(cs, $"SELECT to_regclass('{table}') IS NOT NULL")
            ? await ScalarAsync<long>(cs, $"SELECT count(*) FROM {table}")
            : 0;
    }

    private static async Task<string> PlanAsync(string cs, string explain)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(explain, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
