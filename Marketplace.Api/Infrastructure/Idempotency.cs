using System.Security.Cryptography;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Microsoft.Extensions.Options;

namespace Marketplace.Api.Infrastructure;

/// <summary>The answer of an idempotent request: fresh (Body) or replayed from the first request (ReplayedJson).</summary>
public sealed record IdempotentResponse<T>(int Status, T? Body, string? ReplayedJson);

/// <summary>
/// Handed to the action of <see cref="Idempotency.RunAsync{T}"/>: the action calls
/// <see cref="CompleteAsync{T}"/> inside its own database transaction, so the stored answer is
/// committed exactly when the request's effects are.
/// </summary>
public sealed class IdempotencyScope
{
    private readonly Idempotency? owner;
    private readonly long rowId;

    internal IdempotencyScope(Idempotency? owner, long rowId)
    {
        this.owner = owner;
        this.rowId = rowId;
    }

    internal bool Completed { get; private set; }

    public async Task CompleteAsync<T>(int status, T body, CancellationToken ct)
    {
        if (owner is not null)
        {
            await owner.StoreAsync(rowId, status, owner.Serialize(body), ct);
        }
        Completed = true;
    }
}

/// <summary>
/// The Idempotency-Key of the money-moving POSTs (DESIGN: book, pay, refund). A key is scoped to
/// the user and the route; the first request with a key inserts its row (unique), runs, and stores
/// its answer in the same database transaction as its effects. A retry with the same key and the
/// same request gets that answer again (header <c>Idempotent-Replayed: true</c>); the same key with
/// another request is 409 <c>idempotency_key_reused</c>; a retry while the first is still running
/// waits for its answer, then gives up with 409 <c>idempotency_request_in_progress</c>.
/// Answers 4xx are stored too (a retry gets the same refusal), except those that ask for a retry;
/// on those, a 5xx or a failure the key is released so the client can retry, the Stripe calls below being idempotent themselves.
/// Without the header a request simply runs.
/// <para><b>Who is running a key.</b> The request that runs a key holds a session-level advisory
/// lock on it (<see cref="LockId"/>) on a connection of its own, from before it reads the key's row
/// until after its answer is stored. The lock lives exactly as long as that request: released when
/// it finishes, and by PostgreSQL the moment its connection dies (a crashed or killed instance, a
/// network cut). So a row left without an answer whose lock can be taken belongs to a request that
/// died: the retry that takes the lock takes the key over at once (its effects never committed, as
/// they commit with the answer). A retry that cannot take the lock knows the first request is alive
/// and waits for it.</para>
/// <para><b>The price: one more connection per keyed request in flight</b>, idle while the request
/// works (including its Stripe calls, whose time is bounded by the Stripe client's timeouts). These
/// connections come from a pool of their own (<see cref="LockPoolSize"/> at most, application name
/// <c>marketplace-idempotency</c>), so keyed requests can never take the connections the rest of the
/// API needs; when all are in use a keyed request waits up to <see cref="LockPoolWaitSeconds"/> s for
/// one, then answers 503 <c>service_unavailable</c> with Retry-After. Chosen over tying the key to
/// the request's own database transaction, which would hold a transaction (and its row locks) open
/// across the Stripe calls (DESIGN: nothing waits on Stripe while holding the database).</para>
/// </summary>
public sealed class Idempotency(Db db, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    /// <summary>Keyed requests that can run at once per API instance (their lock connections).</summary>
    public const int LockPoolSize = 50;

    /// <summary>How long a keyed request waits for a lock connection when all are in use.</summary>
    public const int LockPoolWaitSeconds = 5;

    /// <summary>How long a retry waits for the first request's answer.</summary>
    internal TimeSpan WaitForFirst { get; init; } = TimeSpan.FromSeconds(10);

    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    public async Task<IdempotentResponse<T>> RunAsync<T>(
        string? key, string route, int userId, object request,
        Func<IdempotencyScope, Task<(int Status, T Body)>> action, CancellationToken ct)
    {
        if (key is null)
        {
            var (status, body) = await action(new IdempotencyScope(null, 0));
            return new IdempotentResponse<T>(status, body, null);
        }
        if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw ApiProblem.BadRequest("invalid_idempotency_key",
                $"The {Header} header must be 1 to {MaxKeyLength} visible ASCII characters (a UUID is a good choice).");
        }

        var hash = RequestHash(route, request);
        await using var keyLock = new KeyLock(LockConnectionString(db.ConnectionString!), LockId(userId, route, key));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!await keyLock.TryTakeAsync(ct))
        {
            // a live request runs this key: its answer once stored, a refusal for another request, or (after the wait) 409
            if (await ReplayAsync<T>(userId, route, key, hash, ct) is { } replayed)
            {
                return replayed;
            }
            // a real wait (not business time), so measured on the machine's monotonic clock
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) >= WaitForFirst)
            {
                throw ApiProblem.Conflict("idempotency_request_in_progress",
                    $"A request with this {Header} is still being processed; retry in a moment to get its answer.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }

        // the key is this request's now: answered before, or new, or left unanswered by a request that died
        if (await ReplayAsync<T>(userId, route, key, hash, ct) is { } answered)
        {
            return answered;
        }
        var rowId = await ClaimAsync(userId, route, key, hash, ct);
        var scope = new IdempotencyScope(this, rowId);
        try
        {
            var (status, body) = await action(scope);
            if (!scope.Completed)
            {
                await StoreAsync(rowId, status, Serialize(body), ct);
            }
            return new IdempotentResponse<T>(status, body, null);
        }
        catch (ApiProblem problem) when (problem.Status < 500 && !IsTransient(problem))
        {
            await StoreAsync(rowId, problem.Status, Serialize(new StoredProblem(problem.Code, problem.Title, problem.Detail)), CancellationToken.None);
            throw;
        }
        catch
        {
            await db.IdempotencyKeys.Where(k => k.Id == rowId && k.CompletedAt == null).DeleteAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// A refusal that says "try again" (it carries Retry-After, like 409 <c>refund_in_progress</c>, or
    /// lost a race, 409 <c>concurrent_change</c>) is not the request's answer: storing it would
    /// replay the refusal to the very retry it asks for, so the key is released instead.
    /// </summary>
    private static bool IsTransient(ApiProblem problem) =>
        problem.RetryAfterSeconds is not null || problem.Code == DbTransactions.ConcurrentChange().Code;

    /// <summary>The advisory lock of a key: 64 bits of SHA-256 over user, route and key.</summary>
    internal static long LockId(int userId, string route, string key) =>
        BitConverter.ToInt64(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"idempotency\n{userId}\n{route}\n{key}")), 0);

    /// <summary>
    /// The lock connections' own pool: the database's connection string with its own name and bounds,
    /// and the pool's reset kept on (the API's own pool skips it): should an unlock ever fail on a
    /// connection that stays open, the next use of that connection drops its session locks.
    /// </summary>
    internal static string LockConnectionString(string connectionString) => LockConnectionStrings.GetOrAdd(connectionString, cs =>
        new Npgsql.NpgsqlConnectionStringBuilder(cs)
        {
            ApplicationName = "marketplace-idempotency",
            Pooling = true,
            MinPoolSize = 0,
            MaxPoolSize = LockPoolSize,
            Timeout = LockPoolWaitSeconds,
            NoResetOnClose = false,
        }.ConnectionString);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LockConnectionStrings = new();

    /// <summary>The request's Idempotency-Key header, or null; several values are a 400.</summary>
    public static string? KeyFrom(HttpContext http)
    {
        var values = http.Request.Headers[Header];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw ApiProblem.BadRequest("invalid_idempotency_key", $"Send one {Header} header."),
        };
    }

    /// <summary>Writes a replayed answer as it was first given.</summary>
    public static async Task WriteReplayAsync(HttpContext http, int status, string body, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers["Idempotent-Replayed"] = "true";
        await http.Response.WriteAsync(body, ct);
    }

    internal string Serialize<T>(T body) => JsonSerializer.Serialize(body, Json);

    internal async Task StoreAsync(long rowId, int status, string body, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.IdempotencyKeys
            .Where(k => k.Id == rowId && k.CompletedAt == null)
            .Set(k => k.ResponseStatus, status)
            .Set(k => k.ResponseBody, body)
            .Set(k => k.CompletedAt, now)
            .UpdateAsync(ct);
    }

    /// <summary>
    /// Under the key's lock: inserts the key's row, or takes over the unanswered row of a request
    /// that died (same request, no answer: <see cref="ReplayAsync{T}"/> saw to the other cases).
    /// </summary>
    private async Task<long> ClaimAsync(int userId, string route, string key, string hash, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = await db.QueryToListAsync<long>(
            """
            INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, created_at)
            VALUES (@userId, @route, @key, @hash, @now)
            ON CONFLICT (user_id, route, idempotency_key) DO UPDATE SET created_at = EXCLUDED.created_at
             WHERE idempotency_keys.completed_at IS NULL AND idempotency_keys.request_hash = EXCLUDED.request_hash
            RETURNING id
            """,
            ct,
            new LinqToDB.Data.DataParameter("userId", userId),
            new LinqToDB.Data.DataParameter("route", route),
            new LinqToDB.Data.DataParameter("key", key),
            new LinqToDB.Data.DataParameter("hash", hash),
            new LinqToDB.Data.DataParameter("now", now, DataType.DateTimeOffset));
        // every request of this key takes its lock before it writes the row, so nothing changed it since it was read
        return ids.Count == 1 ? ids[0] : throw DbTransactions.ConcurrentChange();
    }

    /// <summary>The stored answer of the key (a 4xx thrown again), 409 when the key was used with another request; null while it has none.</summary>
    private async Task<IdempotentResponse<T>?> ReplayAsync<T>(int userId, string route, string key, string hash, CancellationToken ct)
    {
        var row = await db.IdempotencyKeys
            .Where(k => k.UserId == userId && k.Route == route && k.Key == key)
            .Select(k => new { k.RequestHash, k.ResponseStatus, k.ResponseBody })
            .FirstOrDefaultAsync(ct);
        if (row is not null && !Secrets.HashesEqual(row.RequestHash, hash))
        {
            throw ApiProblem.Conflict("idempotency_key_reused",
                $"This {Header} was already used with a different request; use a new key for a new request.");
        }
        if (row is { ResponseStatus: { } status, ResponseBody: { } body })
        {
            if (status >= 400)
            {
                var problem = JsonSerializer.Deserialize<StoredProblem>(body, Json)!;
                throw new ApiProblem(status, problem.Code, problem.Title, problem.Detail);
            }
            return new IdempotentResponse<T>(status, default, body);
        }
        return null;
    }

    internal static string RequestHash(string route, object request)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), JsonSerializerOptions.Web);
        var routeBytes = System.Text.Encoding.UTF8.GetBytes(route + "\n");
        return Convert.ToHexStringLower(SHA256.HashData([.. routeBytes, .. bytes]));
    }

    /// <summary>A key's session-level advisory lock, on a connection of its own, released (and the connection returned) on dispose.</summary>
    private sealed class KeyLock(string connectionString, long lockId) : IAsyncDisposable
    {
        private Npgsql.NpgsqlConnection? connection;
        private bool held;

        public async Task<bool> TryTakeAsync(CancellationToken ct)
        {
            if (connection is null)
            {
                connection = new Npgsql.NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
            }
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = lockId } } };
            held = (bool)(await command.ExecuteScalarAsync(ct))!;
            return held;
        }

        public async ValueTask DisposeAsync()
        {
            if (connection is null)
            {
                return;
            }
            try
            {
                if (held)
                {
                    await using var command = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = lockId } } };
                    await command.ExecuteScalarAsync(CancellationToken.None);
                }
            }
            catch (Npgsql.NpgsqlException)
            {
                // the connection broke: its session, and the lock with it, is gone already
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }

    private sealed record StoredProblem(string Code, string Title, string? Detail);
}

internal static class IdempotencyRegistration
{
    public static IServiceCollection AddMarketplaceIdempotency(this IServiceCollection services)
    {
        services.AddScoped<Idempotency>();
        services.AddSingleton<IdempotencyKeyPurger>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyKeyPurger>());
        return services;
    }
}
