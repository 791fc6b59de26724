using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.GetThread;

internal sealed record ThreadRow(
    int Id, int ClientId, int ProviderId, string? Subject, int? ListingId, long? TransactionId, string Status,
    DateTime CreatedAt, DateTime? LastMessageAt, DateTime? ClientLastReadAt, DateTime? ProviderLastReadAt,
    string BusinessName, string? ClientFirstName, string? ClientLastName);

internal sealed record MessageRowView(long Id, int SenderId, string Body, DateTime CreatedAt);

internal static class Data
{
    /// <summary>
    /// Marks the thread read for the caller on their side (unread count 0, last read now); false
    /// when the caller is not a participant, which makes the thread invisible to them.
    /// </summary>
    public static async Task<bool> MarkReadAsync(Db db, int threadId, CurrentUser me, DateTime now, CancellationToken ct)
    {
        var asClient = await db.MessageThreads.Where(t => t.Id == threadId && t.ClientId == me.Id)
            .Set(t => t.ClientUnreadCount, 0)
            .Set(t => t.ClientLastReadAt, now)
            .UpdateAsync(ct);
        if (asClient > 0)
        {
            return true;
        }
        if (me.ProviderId is not { } providerId)
        {
            return false;
        }
        var asProvider = await db.MessageThreads.Where(t => t.Id == threadId && t.ProviderId == providerId)
            .Set(t => t.ProviderUnreadCount, 0)
            .Set(t => t.ProviderLastReadAt, now)
            .UpdateAsync(ct);
        return asProvider > 0;
    }

    public static Task<ThreadRow> ThreadAsync(Db db, int threadId, CancellationToken ct) =>
        (from t in db.MessageThreads
         join p in db.Providers on t.ProviderId equals p.Id
         join c in db.Users on t.ClientId equals c.Id
         where t.Id == threadId
         select new ThreadRow(
             t.Id, t.ClientId, t.ProviderId, t.Subject, t.ListingId, t.TransactionId, t.Status,
             t.CreatedAt, t.LastMessageAt, t.ClientLastReadAt, t.ProviderLastReadAt,
             p.BusinessName, c.FirstName, c.LastName))
        .FirstAsync(ct);

    /// <summary>A page of the thread's messages, newest first (ix_messages_thread_id_created_at).</summary>
    public static Task<List<MessageRowView>> MessagesAsync(Db db, int threadId, Key? after, int take, CancellationToken ct)
    {
        var messages = db.Messages.Where(m => m.ThreadId == threadId);
        if (after is not null)
        {
            messages = messages.Where(m => m.CreatedAt < after.CreatedAt || (m.CreatedAt == after.CreatedAt && m.Id < after.Id));
        }
        return messages
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => new MessageRowView(m.Id, m.SenderId, m.Body, m.CreatedAt))
            .Take(take)
            .ToListAsync(ct);
    }
}
