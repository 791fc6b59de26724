using LinqToDB;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Npgsql;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// The optional read replica (<c>ConnectionStrings:MarketplaceReadOnly</c>, a streaming standby of
/// the primary) with its own connection pool, and the circuit that keeps public reads off it while
/// it is down (README: read replicas).
/// </summary>
/// <remarks>
/// A replica that refuses or times out (a short connect timeout, 2 s unless the connection string
/// sets <c>Timeout</c>) sends the read to the primary within the same request, and the next
/// <c>Marketplace:Database:ReplicaRetrySeconds</c> of reads go straight to the primary; then one
/// request tries the replica again while the others stay on the primary, so an outage costs the
/// timeout once per interval, not once per request.
/// </remarks>
public sealed class ReadReplica : IDisposable
{
    public const string ConnectionStringName = "MarketplaceReadOnly";
    private const int DefaultConnectTimeoutSeconds = 2;

    private readonly NpgsqlDataSource? source;
    private readonly DataOptions<Db>? options;
    private readonly TimeSpan retryInterval;
    private readonly TimeProvider clock;
    private readonly ILogger<ReadReplica> log;
    private long downUntilTicks; // 0 while the replica is taken to be up
    private int probing;

    public ReadReplica(string? connectionString, MarketplaceOptions settings, TimeProvider clock, ILogger<ReadReplica> log)
    {
        this.clock = clock;
        this.log = log;
        retryInterval = TimeSpan.FromSeconds(settings.Database.ReplicaRetrySeconds);
        if (connectionString is null)
        {
            return;
        }
        source = NpgsqlDataSource.Create(connectionString);
        options = new DataOptions<Db>(new DataOptions().UsePostgreSQL(PostgreSQLVersion.v15).UseConnectionFactory(_ => source.CreateConnection()));
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        Target = $"{parsed.Host}:{parsed.Port}/{parsed.Database}";
    }

    /// <summary>
    /// The replica's connection string as the app uses it: times in UTC like the primary's, and a
    /// short connect timeout unless it names one. Null when none is configured; throws naming the
    /// key when it is not a valid connection string.
    /// </summary>
    public static string? Prepare(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(Database.Tune(connectionString));
            if (!new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Timeout"))
            {
                builder.Timeout = DefaultConnectTimeoutSeconds;
            }
            return builder.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not a valid PostgreSQL connection string: {ex.Message}");
        }
    }

    public bool Configured => options is not null;

    /// <summary>host:port/database of the replica, for the health answer (never the credentials).</summary>
    public string? Target { get; }

    /// <summary>Whether reads skip the replica now (it failed less than ReplicaRetrySeconds ago).</summary>
    public bool CircuitOpen => Interlocked.Read(ref downUntilTicks) != 0;

    /// <summary>A connection to the replica, or null when this read goes to the primary (none configured, or down and not yet due for a retry).</summary>
    internal Db? TryOpen() => IsUsable() ? new Db(options!) : null;

    /// <summary>The same as <see cref="TryOpen"/>, as a plain Npgsql connection (not yet open) for the hot reads that skip linq2db.</summary>
    internal NpgsqlConnection? TryConnection() => IsUsable() ? source!.CreateConnection() : null;

    private bool IsUsable()
    {
        if (options is null)
        {
            return false;
        }
        var until = Interlocked.Read(ref downUntilTicks);
        // down: before the interval is over, or while another request is already trying it again
        return until == 0 || (clock.GetUtcNow().UtcTicks >= until && Interlocked.CompareExchange(ref probing, 1, 0) == 0);
    }

    internal void Succeeded()
    {
        if (Interlocked.Read(ref downUntilTicks) != 0 && Interlocked.Exchange(ref downUntilTicks, 0) != 0)
        {
            log.LogInformation("The read replica {Target} answers again; public reads use it", Target);
        }
        Volatile.Write(ref probing, 0);
    }

    internal void Failed(Exception ex)
    {
        var wasUp = Interlocked.Exchange(ref downUntilTicks, clock.GetUtcNow().Add(retryInterval).UtcTicks) == 0;
        Volatile.Write(ref probing, 0);
        // the pooled connections of a stopped or restarted server are dead: the retry opens fresh ones
        source!.Clear();
        if (wasUp)
        {
            log.LogWarning("The read replica {Target} failed ({Error}); public reads use the primary, trying the replica again every {Seconds} s",
                Target, DbFaults.Describe(ex), retryInterval.TotalSeconds);
        }
    }

    /// <summary>A read that neither succeeded nor found the replica down (a cancelled request, a bug): lets the next request try.</summary>
    internal void Released() => Volatile.Write(ref probing, 0);

    /// <summary>
    /// The replica cannot serve: unreachable, starting, shutting down, out of connections
    /// (<see cref="DbFaults.IsUnavailable"/>), or refusing our credentials (class 28: a replica
    /// misconfigured must not take the public reads down with it).
    /// </summary>
    internal static bool IsDown(Exception ex) =>
        DbFaults.IsUnavailable(ex) || DbTransactions.SqlState(ex)?.StartsWith("28", StringComparison.Ordinal) == true;

    /// <summary>
    /// A hot standby cancels a query whose rows recovery must remove ("conflict with recovery",
    /// 40001): the replica is fine, this one read goes to the primary.
    /// </summary>
    internal static bool IsRecoveryConflict(Exception ex) => DbTransactions.SqlState(ex) == PostgresErrorCodes.SerializationFailure;

    /// <summary>For the health answer: true for a standby, false for a server that is not in recovery; throws when unreachable.</summary>
    internal async Task<bool> IsStandbyAsync(CancellationToken ct)
    {
        await using var connection = await source!.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public void Dispose() => source?.Dispose();
}

/// <summary>
/// Where public reads run: the read replica when one is configured, up and the request is
/// anonymous, else the primary. A signed-in caller always reads the primary, so they see their
/// own writes at once; a replica that fails mid-read sends the same read to the primary.
/// </summary>
/// <remarks>
/// The primary's <see cref="Db"/> is made only when a read needs it: the hot reads
/// (<see cref="ReadAsync{T}"/>) run on a plain Npgsql connection from the very pool linq2db uses
/// (the same connection string), so a browse or a listing view never builds a DataConnection
/// (benchmarks/RawFloor measured ~15 us of CPU per request for it). A request never holds two
/// connections of the pool: were it to hold one (the <see cref="Db"/>'s, which linq2db keeps open
/// until the request ends) while it waited for a second, as many such requests at once as the pool
/// has connections would each wait for another until the pool's timeout
/// (Platform/PoolStarvationTests). So a direct read on the primary runs on the request's Db
/// connection when that one is open, and takes one from the pool only when it is not; the session
/// and API-key checks close theirs at once, so a signed-in listing view gives its connection back
/// as soon as its read is done.
/// </remarks>
public sealed class ReadDb(ReadReplica replica, PrimaryConnections primaryConnections, IServiceProvider services, IHttpContextAccessor http)
{
    private Db? requestDb;

    /// <summary>Registers the scope's <see cref="Db"/> (made by DI on its first use in the scope), whose open connection direct reads then share.</summary>
    internal Db Attach(Db db) => requestDb = db;

    /// <summary>Runs <paramref name="read"/> (queries only: it may run twice, on the replica and then on the primary).</summary>
    public async Task<T> QueryAsync<T>(Func<Db, Task<T>> read)
    {
        if (OnReplica() && replica.TryOpen() is { } db)
        {
            using (db)
            {
                if (await AttemptAsync(() => read(db)) is (true, var result))
                {
                    return result;
                }
            }
        }
        return await read(services.GetRequiredService<Db>());
    }

    /// <summary>
    /// Runs <paramref name="read"/> on an open Npgsql connection: the request's <see cref="Db"/>'s when it
    /// holds one open, else one of the pool, closed (back to it) afterwards. Queries only: it may run
    /// twice, on the replica and then on the primary.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken ct)
    {
        if (OnReplica() && replica.TryConnection() is { } standby)
        {
            await using (standby)
            {
                if (await AttemptAsync(async () =>
                    {
                        await standby.OpenAsync(ct);
                        return await read(standby);
                    }) is (true, var result))
                {
                    return result;
                }
            }
        }
        if (requestDb?.TryGetDbConnection() is NpgsqlConnection { State: System.Data.ConnectionState.Open } held)
        {
            // the request's Db holds a connection of the pool already: never wait for a second one
            return await read(held);
        }
        await using var connection = primaryConnections.Create();
        await connection.OpenAsync(ct);
        return await read(connection);
    }

    private bool OnReplica() => replica.Configured && http.HttpContext?.OptionalUser() is null;

    /// <summary>One read on the replica: its result, or false when the primary must answer instead.</summary>
    private async Task<(bool Done, T Result)> AttemptAsync<T>(Func<Task<T>> read)
    {
        try
        {
            var result = await read();
            replica.Succeeded();
            return (true, result);
        }
        catch (Exception ex) when (ReadReplica.IsDown(ex))
        {
            replica.Failed(ex);
        }
        catch (Exception ex) when (ReadReplica.IsRecoveryConflict(ex))
        {
            replica.Released();
        }
        catch
        {
            replica.Released();
            throw;
        }
        return (false, default!);
    }
}

/// <summary>
/// Plain Npgsql connections to the primary with linq2db's own connection string, so they come from
/// (and go back to) the same Npgsql pool as every <see cref="Db"/>'s: one pool, one Max Pool Size.
/// </summary>
public sealed class PrimaryConnections(DataOptions<Db> options)
{
    private readonly string connectionString = options.Options.ConnectionOptions.ConnectionString
        ?? throw new InvalidOperationException("the primary's DataOptions carry no connection string");

    public NpgsqlConnection Create() => new(connectionString);
}
