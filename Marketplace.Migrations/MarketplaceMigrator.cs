using System.Reflection;
using FluentMigrator;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Processors;
using FluentMigrator.Runner.VersionTableInfo;
using Microsoft.Extensions.DependencyInjection;
using FluentMigrator.Runner.Logging;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Marketplace.Migrations;

/// <summary>
/// The one way this solution builds a FluentMigrator runner: used by the CLI, by the API when
/// <c>Marketplace:Database:MigrateOnStartup</c> is set, and by the test fixture.
/// </summary>
public static class MarketplaceMigrator
{
    public const string Schema = "marketplace";

    /// <summary>Every migration version in this assembly with its description, in order.</summary>
    public static IReadOnlyList<(long Version, string Description)> Known { get; } =
        typeof(MarketplaceMigrator).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<MigrationAttribute>())
            .OfType<MigrationAttribute>()
            .Select(a => (a.Version, a.Description ?? ""))
            .OrderBy(m => m.Version)
            .ToArray();

    public static ServiceProvider CreateServices(string connectionString, bool previewOnly = false, TextWriter? sqlOutput = null)
    {
        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(rb => rb
                .AddPostgres15_0()
                .WithGlobalConnectionString(connectionString)
                .WithVersionTable(new VersionTable())
                .ScanIn(typeof(MarketplaceMigrator).Assembly).For.Migrations())
            .Configure<ProcessorOptions>(o =>
            {
                o.PreviewOnly = previewOnly;
                o.Timeout = TimeSpan.FromMinutes(5);
            })
            .AddLogging(lb =>
            {
                lb.ClearProviders();
                if (sqlOutput is not null)
                {
                    lb.AddProvider(new SqlScriptLoggerProvider(sqlOutput));
                }
            });
        return services.BuildServiceProvider(validateScopes: false);
    }

    /// <summary>
    /// The <c>pg_advisory_lock</c> key every migration run holds: the ASCII bytes of "MKTMIGRT" read
    /// as a bigint. Documented in the README so an operator can find a stuck run in <c>pg_locks</c>
    /// (objid = low 32 bits, classid = high 32 bits).
    /// </summary>
    public const long AdvisoryLockKey = 5569638055092376148;

    /// <summary>How long a run waits for another instance's migration to finish before giving up.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromMinutes(10);

    /// <summary>Applies every pending migration, one instance at a time (see <see cref="Lock"/>).</summary>
    public static void MigrateUp(string connectionString)
    {
        using var migrationLock = Lock(connectionString);
        using var services = CreateServices(connectionString);
        services.GetRequiredService<IMigrationRunner>().MigrateUp();
    }

    /// <summary>
    /// Waits for and takes the migration lock, held on a connection of its own until disposed.
    /// Without it two API instances started together (MigrateOnStartup) both found the same
    /// migrations pending and both ran them: the second failed on "already exists". Taken before
    /// the runner reads the version table, so the waiting run sees what the first one applied.
    /// A session-level lock on an unpooled connection: a crashed run releases it with its connection.
    /// </summary>
    public static IDisposable Lock(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            using var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection);
            take.Parameters.AddWithValue("key", AdvisoryLockKey);
            take.CommandTimeout = (int)LockWait.TotalSeconds;
            take.ExecuteNonQuery();
            return new MigrationLock(connection);
        }
        catch (NpgsqlException ex) when (ex.InnerException is TimeoutException)
        {
            connection.Dispose();
            throw new TimeoutException(
                $"another migration run held the migration lock (pg_advisory_lock {AdvisoryLockKey}) for more than {LockWait.TotalMinutes:0} minutes", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private sealed class MigrationLock(NpgsqlConnection connection) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                release.Parameters.AddWithValue("key", AdvisoryLockKey);
                release.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // the connection is gone, and the session's lock with it
            }
            finally
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>The applied versions, kept in <c>public.marketplace_version_info</c>.</summary>
    public sealed class VersionTable : IVersionTableMetaData
    {
        public const string SchemaNameValue = "public";
        public const string TableNameValue = "marketplace_version_info";

        public bool OwnsSchema => false;
        public string SchemaName => SchemaNameValue;
        public string TableName => TableNameValue;
        public string ColumnName => "version";
        public string DescriptionColumnName => "description";
        public string UniqueIndexName => "ux_marketplace_version_info_version";
        public string AppliedOnColumnName => "applied_on";
        public bool CreateWithPrimaryKey => false;
    }

    /// <summary>Writes the SQL the runner executes (or would execute, in preview) and nothing else.</summary>
    private sealed class SqlScriptLoggerProvider(TextWriter output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new SqlLogger(output);

        public void Dispose()
        {
        }

        private sealed class SqlLogger(TextWriter output) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Id == RunnerEventIds.Sql.Id)
                {
                    var sql = formatter(state, exception).TrimEnd();
                    if (sql.Length > 0)
                    {
                        output.WriteLine(sql.EndsWith(';') ? sql : sql + ";");
                    }
                }
                else if (eventId.Id == RunnerEventIds.Heading.Id)
                {
                    output.WriteLine("-- " + formatter(state, exception).Trim());
                }
            }
        }
    }
}
