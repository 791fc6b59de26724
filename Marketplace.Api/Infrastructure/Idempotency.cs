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
/// Answers 4xx are stored too (a retry gets the same refusal); on a 5xx or a failure the key is
/// released so the client can retry, the Stripe calls below being idempotent themselves.
/// Without the header a request simply runs.
/// </summary>
public sealed class Idempotency(Db db, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    /// <summary>How long a retry waits for the first request's answer.</summary>
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(10);

    /// <summary>A key left running longer than this belongs to a request that died (no request lives that long).</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(5);

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
        long? rowId;
        while ((rowId = await ClaimAsync(userId, route, key, hash, ct)) is null)
        {
            // null: the first request failed meanwhile and released the key, so this one runs
            if (await ReplayAsync<T>(userId, route, key, hash, ct) is { } replayed)
            {
                return replayed;
            }
        }

        var scope = new IdempotencyScope(this, rowId.Value);
        try
        {
            var (status, body) = await action(scope);
            if (!scope.Completed)
            {
                await StoreAsync(rowId.Value, status, Serialize(body), ct);
            }
            return new IdempotentResponse<T>(status, body, null);
        }
        catch (ApiProblem problem) when (problem.Status < 500)
        {
            await StoreAsync(rowId.Value, problem.Status, Serialize(new StoredProblem(problem.Code, problem.Title, problem.Detail)), CancellationToken.None);
            throw;
        }
        catch
        {
            await db.IdempotencyKeys.Where(k => k.Id == rowId.Value && k.CompletedAt == null).DeleteAsync(CancellationToken.None);
            throw;
        }
    }

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

    /// <summary>Inserts the key's row; null when it exists already (another request has it).</summary>
    private async Task<long?> ClaimAsync(int userId, string route, string key, string hash, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = await db.QueryToListAsync<long>(
            """
            INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, created_at)
            VALUES (@userId, @route, @key, @hash, @now)
            ON CONFLICT (user_id, route, idempotency_key) DO NOTHING
            RETURNING id
            """,
            ct,
            new LinqToDB.Data.DataParameter("userId", userId),
            new LinqToDB.Data.DataParameter("route", route),
            new LinqToDB.Data.DataParameter("key", key),
            new LinqToDB.Data.DataParameter("hash", hash),
            new LinqToDB.Data.DataParameter("now", now, DataType.DateTimeOffset));
        if (ids.Count == 1)
        {
            return ids[0];
        }

        // a key whose request died long ago is taken over (its effects never committed: they commit with the answer)
        var abandonedBefore = now - Abandoned;
        var takenOver = await db.IdempotencyKeys
            .Where(k => k.UserId == userId && k.Route == route && k.Key == key && k.RequestHash == hash
                        && k.CompletedAt == null && k.CreatedAt < abandonedBefore)
            .Set(k => k.CreatedAt, now)
            .UpdateAsync(ct);
        return takenOver == 1
            ? await db.IdempotencyKeys.Where(k => k.UserId == userId && k.Route == route && k.Key == key).Select(k => k.Id).FirstAsync(ct)
            : null;
    }

    private async Task<IdempotentResponse<T>?> ReplayAsync<T>(int userId, string route, string key, string hash, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
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
            // a real wait (not business time), so measured on the machine's monotonic clock
            if (row is null)
            {
                return null;
            }
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) >= WaitForFirst)
            {
                throw ApiProblem.Conflict("idempotency_request_in_progress",
                    $"A request with this {Header} is still being processed; retry in a moment to get its answer.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    private static string RequestHash(string route, object request)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), JsonSerializerOptions.Web);
        var routeBytes = System.Text.Encoding.UTF8.GetBytes(route + "\n");
        return Convert.ToHexStringLower(SHA256.HashData([.. routeBytes, .. bytes]));
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
