using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.GetThread;

public sealed class Endpoint(Db db, TimeProvider clock, Cursors cursors) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("messages/threads/{id:int}");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Thread details";
            s.Description = "A thread of the caller's with a page of its messages, newest first (messages.nextCursor for older ones; "
                + "?limit=1-100). Reading marks the thread read for the caller: their unread count drops to 0. "
                + "Participants only: anyone else gets 404.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var scope = new CursorScope("messages.threads.messages", new { me.Id, threadId = req.Id });
        var after = cursors.Decode<Key>(req.Cursor, scope);
        if (!await Data.MarkReadAsync(db, req.Id, me, Delivery.Now(clock), ct))
        {
            throw ApiProblem.NotFound("thread");
        }
        var thread = await Data.ThreadAsync(db, req.Id, ct);
        var limit = req.Limit ?? Paging.DefaultLimit;
        var rows = await Data.MessagesAsync(db, req.Id, after, limit + 1, ct);
        var messages = cursors.Page(
            rows.Select(m => new Message(m.Id, m.SenderId, m.SenderId == me.Id, m.Body, m.CreatedAt)).ToList(),
            limit,
            m => new Key(m.CreatedAt, m.Id),
            scope);

        var asClient = thread.ClientId == me.Id;
        await Send.OkAsync(new Response(
            thread.Id,
            asClient ? Parties.Client : Parties.Provider,
            asClient
                ? new OtherParty(Parties.Provider, thread.ProviderId, thread.BusinessName)
                : new OtherParty(Parties.Client, thread.ClientId, Parties.ClientName(thread.ClientFirstName, thread.ClientLastName, thread.ClientId)),
            thread.ClientId,
            thread.ProviderId,
            thread.Subject,
            thread.ListingId,
            thread.TransactionId,
            thread.Status,
            thread.CreatedAt,
            thread.LastMessageAt,
            asClient ? thread.ProviderLastReadAt : thread.ClientLastReadAt,
            messages), ct);
    }
}
