using FluentValidation;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Messages;

/// <summary>
/// Posting a message into a thread, shared by StartThread (its first message) and SendMessage: the
/// per-user flood limit, the thread's activity and unread counters, and the throttled e-mail to
/// the other participant. Every method runs inside the caller's database transaction, and they are
/// called in this order (flood lock, then thread lock) so two requests never wait on each other
/// in a cycle.
/// </summary>
internal static class Delivery
{
    public const int MaxBodyLength = 5000;
    public const int PreviewLength = 200;

    /// <summary>Issue 6: at most one e-mail per thread and recipient per 15 minutes while they have unread messages.</summary>
    public static readonly TimeSpan NotificationInterval = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan FloodWindow = TimeSpan.FromMinutes(1);

    // first key of pg_advisory_xact_lock(int, int): the lock space of "one sender's messages"
    private const int FloodLockSpace = 0x4D534746;

    /// <summary>
    /// 429 <c>rate_limited</c> (with Retry-After) once the sender posted Marketplace:RateLimiting:MessagesPerMinute
    /// messages in the last minute. Counted in the database, under a per-sender advisory lock held
    /// to the end of the transaction, so the limit holds across any number of API instances.
    /// </summary>
    public static async Task EnsureWithinFloodLimitAsync(Db db, TimeProvider clock, MarketplaceOptions options, int senderId, CancellationToken ct)
    {
        if (!options.RateLimiting.Enabled)
        {
            return;
        }
        await db.ExecuteAsync("SELECT pg_advisory_xact_lock(@space, @sender)", ct,
            new DataParameter("space", FloodLockSpace, DataType.Int32), new DataParameter("sender", senderId, DataType.Int32));

        var now = Now(clock);
        var since = now - FloodWindow;
        var limit = options.RateLimiting.MessagesPerMinute;
        // the limit-th newest message of the window: while it is in the window the sender is at the limit,
        // and a slot frees when it leaves
        var blocking = await db.Messages
            .Where(m => m.SenderId == senderId && m.CreatedAt > since)
            .OrderByDescending(m => m.CreatedAt)
            .Skip(limit - 1)
            .Select(m => (DateTime?)m.CreatedAt)
            .FirstOrDefaultAsync(ct);
        if (blocking is { } at)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling((at + FloodWindow - now).TotalSeconds));
            throw new ApiProblem(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
                $"At most {limit} messages per minute; try again in {seconds} seconds.")
            { RetryAfterSeconds = seconds };
        }
    }

    /// <summary>
    /// Locks the thread (FOR UPDATE, to the end of the transaction) when the user is one of its two
    /// participants, and reads what posting needs; null when it does not exist for this user.
    /// </summary>
    public static async Task<ThreadForPosting?> LockForParticipantAsync(Db db, int threadId, CurrentUser user, CancellationToken ct)
    {
        var locked = await db.ExecuteAsync<int?>(
            "SELECT id FROM marketplace.message_threads WHERE id = @id AND (client_id = @user OR provider_id = @provider) FOR UPDATE", ct,
            new DataParameter("id", threadId, DataType.Int32),
            new DataParameter("user", user.Id, DataType.Int32),
            new DataParameter("provider", user.ProviderId, DataType.Int32));
        if (locked is null)
        {
            return null;
        }
        // read after the lock: under READ COMMITTED this statement sees the last committed counters
        return await (
            from t in db.MessageThreads
            join p in db.Providers on t.ProviderId equals p.Id
            join pu in db.Users on p.UserId equals pu.Id
            join cu in db.Users on t.ClientId equals cu.Id
            where t.Id == threadId
            select new ThreadForPosting(
                t.Id, t.ClientId, t.ProviderId, t.ListingId, t.TransactionId, t.Subject, t.Status, t.CreatedAt,
                t.ClientUnreadCount, t.ProviderUnreadCount, t.ClientNotifiedAt, t.ProviderNotifiedAt,
                cu.FirstName, cu.LastName, cu.Email, cu.DeletedAt == null && cu.Status == "active" && cu.EmailVerified,
                p.BusinessName, pu.Email, pu.DeletedAt == null && pu.Status == "active" && pu.EmailVerified))
            .FirstAsync(ct);
    }

    /// <summary>
    /// Stores the message, moves the thread's last activity and preview, adds one to the other
    /// side's unread count (the sender, replying, has read the thread), and e-mails the other side
    /// through the outbox unless the throttle holds it back.
    /// </summary>
    public static async Task<MessageRow> PostAsync(Db db, TimeProvider clock, MarketplaceOptions options, ThreadForPosting thread,
        int senderId, string body, CancellationToken ct)
    {
        var now = Now(clock);
        var fromClient = senderId == thread.ClientId;
        var message = new MessageRow { ThreadId = thread.Id, SenderId = senderId, Body = body, CreatedAt = now };
        message.Id = await db.InsertWithInt64IdentityAsync(message, token: ct);

        var recipientUnread = fromClient ? thread.ProviderUnreadCount : thread.ClientUnreadCount;
        var recipientNotifiedAt = fromClient ? thread.ProviderNotifiedAt : thread.ClientNotifiedAt;
        // the throttle applies while the recipient has unread messages; once they read everything,
        // the next message is news again
        var notify = recipientUnread == 0 || recipientNotifiedAt is null || recipientNotifiedAt <= now - NotificationInterval;

        var update = db.MessageThreads.Where(t => t.Id == thread.Id)
            .Set(t => t.LastMessageAt, now)
            .Set(t => t.LastMessagePreview, Preview(body))
            .Set(t => t.UpdatedAt, now);
        if (fromClient)
        {
            update = update.Set(t => t.ProviderUnreadCount, t => t.ProviderUnreadCount + 1)
                .Set(t => t.ClientUnreadCount, 0)
                .Set(t => t.ClientLastReadAt, now);
            if (notify)
            {
                update = update.Set(t => t.ProviderNotifiedAt, now);
            }
        }
        else
        {
            update = update.Set(t => t.ClientUnreadCount, t => t.ClientUnreadCount + 1)
                .Set(t => t.ProviderUnreadCount, 0)
                .Set(t => t.ProviderLastReadAt, now);
            if (notify)
            {
                update = update.Set(t => t.ClientNotifiedAt, now);
            }
        }
        await update.UpdateAsync(ct);
        await ResourceEvents.MessageAsync(db, clock, message.Id, thread.ClientId, thread.ProviderId,
            new { message.Id, message.ThreadId, message.SenderId, message.Body, message.CreatedAt }, ct);

        var (reachable, to, senderName) = fromClient
            ? (thread.ProviderReachable, thread.ProviderEmail, thread.ClientName)
            : (thread.ClientReachable, thread.ClientEmail, thread.ProviderName);
        if (notify && reachable)
        {
            var link = $"{options.PublicBaseUrl.TrimEnd('/')}/messages/{thread.Id}";
            var about = thread.Subject is null ? "" : $" about \"{thread.Subject}\"";
            await Outbox.EnqueueAsync(db, clock, new OutgoingMail(
                "new_message",
                to,
                $"New message from {senderName}{about}",
                $"""
                {senderName} wrote{about}:

                {Preview(body)}

                Read and reply: {link}

                You get at most one e-mail per conversation every 15 minutes while messages are unread.
                """), ct);
        }
        return message;
    }

    /// <summary>The clock's now at the database's precision (microseconds), so what we answer is what we stored.</summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// <summary>A text on one line, cut to 200 characters (preview and subject columns) without splitting a surrogate pair.</summary>
    public static string Preview(string body)
    {
        var line = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length <= PreviewLength)
        {
            return line;
        }
        var cut = PreviewLength - 1;
        if (char.IsHighSurrogate(line[cut - 1]))
        {
            cut--;
        }
        return line[..cut] + "…";
    }

    /// <summary>A message body: required, 1 to 5,000 characters once trimmed (counted as the database counts them).</summary>
    public static IRuleBuilderOptions<T, string?> MessageBody<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(b => !string.IsNullOrWhiteSpace(b)).WithMessage("body must not be empty.")
            .Must(b => b is null || b.Trim().EnumerateRunes().Count() <= MaxBodyLength)
            .WithMessage($"body must be at most {MaxBodyLength} characters.");
}

/// <summary>A thread locked for posting, with both parties' names and e-mail addresses.</summary>
internal sealed record ThreadForPosting(
    int Id, int ClientId, int ProviderId, int? ListingId, long? TransactionId, string? Subject, string Status, DateTime CreatedAt,
    int ClientUnreadCount, int ProviderUnreadCount, DateTime? ClientNotifiedAt, DateTime? ProviderNotifiedAt,
    string? ClientFirstName, string? ClientLastName, string ClientEmail, bool ClientReachable,
    string ProviderName, string ProviderEmail, bool ProviderReachable)
{
    public string ClientName => Parties.ClientName(ClientFirstName, ClientLastName, ClientId);

    /// <summary>The other participant, as <paramref name="userId"/> sees the thread.</summary>
    public OtherParty OtherPartyOf(int userId) =>
        userId == ClientId
            ? new OtherParty(Parties.Provider, ProviderId, ProviderName)
            : new OtherParty(Parties.Client, ClientId, ClientName);
}
