using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.ListThreads;

internal sealed record Row(
    int Id, int ClientId, int ProviderId, string? Subject, int? ListingId, long? TransactionId, string Status,
    string? LastMessagePreview, DateTime? LastMessageAt, DateTime CreatedAt, int ClientUnreadCount, int ProviderUnreadCount,
    string BusinessName, string? ClientFirstName, string? ClientLastName);

internal static class Data
{
    /// <summary>
    /// One page of the caller's threads on both sides, with the other party's name, in one query
    /// (ix_message_threads_client_id_last_message_at / ..._provider_id_...). Threads always carry
    /// last_message_at: it is set with their first message.
    /// </summary>
    public static Task<List<Row>> PageAsync(Db db, CurrentUser me, Key? after, int take, CancellationToken ct)
    {
        var threads = me.ProviderId is { } providerId
            ? db.MessageThreads.Where(t => t.ClientId == me.Id || t.ProviderId == providerId)
            : db.MessageThreads.Where(t => t.ClientId == me.Id);
        if (after is not null)
        {
            threads = threads.Where(t => t.LastMessageAt < after.LastMessageAt || (t.LastMessageAt == after.LastMessageAt && t.Id < after.Id));
        }
        return (from t in threads
                join p in db.Providers on t.ProviderId equals p.Id
                join c in db.Users on t.ClientId equals c.Id
                orderby t.LastMessageAt descending, t.Id descending
                select new Row(
                    t.Id, t.ClientId, t.ProviderId, t.Subject, t.ListingId, t.TransactionId, t.Status,
                    t.LastMessagePreview, t.LastMessageAt, t.CreatedAt, t.ClientUnreadCount, t.ProviderUnreadCount,
                    p.BusinessName, c.FirstName, c.LastName))
            .Take(take)
            .ToListAsync(ct);
    }
}
