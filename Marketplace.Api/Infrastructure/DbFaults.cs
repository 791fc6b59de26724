using System.Net.Sockets;
using Npgsql;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Database failures that are not bugs: the database cannot be reached or refuses work for now
/// (answered 503 <c>service_unavailable</c> with Retry-After, and what background jobs back off
/// from), and races a request lost (answered 409).
/// </summary>
public static class DbFaults
{
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// The database is down, unreachable, starting or shutting down, out of connections or resources:
    /// Npgsql's transient errors (socket errors, refused connections, timeouts including a full
    /// connection pool), PostgreSQL classes 08 (connection exception), 53 (insufficient resources),
    /// 57P (operator intervention: admin shutdown, crash shutdown, cannot connect now) and 3D000
    /// (the configured database does not exist, e.g. dropped or not created yet).
    /// </summary>
    public static bool IsUnavailable(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState == PostgresErrorCodes.InvalidCatalogName;
                case NpgsqlException npgsql when npgsql.IsTransient:
                case SocketException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>A race lost to another request: deadlock or serialization failure not retried, or a unique key taken meanwhile.</summary>
    public static bool IsLostRace(Exception ex) =>
        DbTransactions.IsRetryable(ex) || DbTransactions.SqlState(ex) == PostgresErrorCodes.UniqueViolation;

    /// <summary>One line for the log: what failed, without the stack trace (connection failures say all they have to say in it).</summary>
    public static string Describe(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return innermost == ex ? $"{ex.GetType().Name}: {ex.Message}" : $"{ex.GetType().Name}: {ex.Message} ({innermost.GetType().Name}: {innermost.Message})";
    }
}
