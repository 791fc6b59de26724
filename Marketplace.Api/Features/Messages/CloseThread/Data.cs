using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Messages.CloseThread;

internal static class Data
{
    /// <summary>open -> closed, as one conditional update (the thread is locked by the caller).</summary>
    public static Task<int> CloseAsync(Db db, int threadId, DateTime now, CancellationToken ct) =>
        db.MessageThreads.Where(t => t.Id == threadId && t.Status == "open")
            .Set(t => t.Status, "closed")
            .Set(t => t.UpdatedAt, now)
            .UpdateAsync(ct);

    public static Task<Response> ThreadAsync(Db db, int threadId, string closedBy, CancellationToken ct) =>
        db.MessageThreads.Where(t => t.Id == threadId)
            .Select(t => new Response(t.Id, t.Status, t.ClientId, t.ProviderId, t.ListingId, t.TransactionId, t.Subject, closedBy, t.UpdatedAt))
            .FirstAsync(ct);

    public static Task<int> ProviderUserIdAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => p.UserId).FirstAsync(ct);
}
