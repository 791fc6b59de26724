using LinqToDB.Data;
using Marketplace.Api.Data;
using Npgsql;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// The one lock order of the codebase (DESIGN round 2). A database transaction that writes rows of
/// several kinds takes their locks in this order, ascending id within a kind:
/// <code>
///   user -> provider -> listing -> transaction -> invoice
/// </code>
/// A parent row is locked (the statements below, <c>FOR NO KEY UPDATE</c>) before any row after it
/// in the order is written, even when the parent itself is only written at the end (a provider's
/// counters): two writers of one booking, or of one provider's listings, then queue on the first
/// row they share instead of each holding what the other waits for (deadlock, <c>40P01</c>).
/// <c>FOR NO KEY UPDATE</c> is the lock an UPDATE takes anyway; it does not block the inserts whose
/// foreign keys point at the row (they take <c>FOR KEY SHARE</c>), so new bookings or invoices of a
/// locked provider are not held up by it. Reads need no lock; a write re-checks what it read under
/// the lock (a conditional UPDATE, or the locked row's status), and a request that lost the race
/// answers 409.
/// <para>Before all of these come the locks that are not rows of the order: an Idempotency-Key's
/// session lock (<see cref="Idempotency"/>) and, on the Stripe webhook, the event's row and its
/// charge's advisory lock (Payments/StripeEvents/Data.cs).</para>
/// <para>What is left (a serialization failure, a deadlock with a statement outside this order) is
/// retried by <see cref="DbTransactions.InTransactionAsync{T}"/>, which every multi-row write runs in.</para>
/// </summary>
public static class LockOrder
{
    /// <summary>Locks the provider (not deleted); returns its status, or null when there is no such provider.</summary>
    public static async Task<string?> ProviderAsync(Db db, int providerId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT status FROM marketplace.providers WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
            r => r.GetString(0), ct, Pg.P(providerId))).FirstOrDefault();

    /// <summary>Locks the listing (not deleted); returns its status, or null when there is no such listing.</summary>
    public static async Task<string?> ListingAsync(Db db, int listingId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT status FROM marketplace.service_listings WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
            r => r.GetString(0), ct, Pg.P(listingId))).FirstOrDefault();

    /// <summary>Locks the transaction (booking); returns its status, or null when there is no such transaction.</summary>
    public static async Task<string?> TransactionAsync(Db db, long transactionId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT status FROM marketplace.transactions WHERE id = $1 FOR NO KEY UPDATE",
            r => r.GetString(0), ct, Pg.P(transactionId))).FirstOrDefault();

    /// <summary>Locks the booking's provider, then the transaction: for writes that move the provider's counters with it.</summary>
    public static async Task<string?> ProviderAndTransactionAsync(Db db, int providerId, long transactionId, CancellationToken ct)
    {
        await ProviderAsync(db, providerId, ct);
        return await TransactionAsync(db, transactionId, ct);
    }
}

/// <summary>
/// Runs a unit of database work in one transaction, retrying it (from its first statement) when
/// PostgreSQL aborted it for a serialization failure (<c>40001</c>) or a deadlock (<c>40P01</c>):
/// at most <see cref="Attempts"/> times, with a small jittered pause, then 409
/// <c>concurrent_change</c>. The work must be safe to run again: it only talks to the database
/// (never to Stripe) and re-checks its preconditions under its locks (<see cref="LockOrder"/>).
/// An <see cref="ApiProblem"/> thrown by the work rolls it back and is not retried.
/// </summary>
public static class DbTransactions
{
    public const int Attempts = 3;

    public static async Task<T> InTransactionAsync<T>(this Db db, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.BeginTransactionAsync(ct);
                var result = await work(ct);
                await tx.CommitAsync(ct);
                return result;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                if (attempt >= Attempts)
                {
                    throw ConcurrentChange();
                }
                // the other side of the conflict holds its locks until it commits: give it that long
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 40) * attempt), ct);
            }
        }
    }

    public static Task InTransactionAsync(this Db db, Func<CancellationToken, Task> work, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            await work(c);
            return true;
        }, ct);

    /// <summary>Aborted by PostgreSQL because of another transaction: running it again can succeed.</summary>
    public static bool IsRetryable(Exception ex) => SqlState(ex) is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    public static ApiProblem ConcurrentChange() =>
        ApiProblem.Conflict("concurrent_change", "The record was changed by another request at the same time; reload it and retry.");

    /// <summary>The SQLSTATE of a PostgreSQL error, looking through linq2db's and Npgsql's wrappers.</summary>
    public static string? SqlState(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException pg)
            {
                return pg.SqlState;
            }
        }
        return null;
    }
}
