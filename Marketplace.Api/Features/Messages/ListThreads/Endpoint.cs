using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.ListThreads;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<Response>>
{
    public override void Configure()
    {
        Get("messages/threads");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "My threads";
            s.Description = "The caller's threads, as client and as provider, newest activity first, keyset-paginated "
                + "(?limit=1-100, ?cursor=). Each carries the other party's name, the subject, the last message preview and "
                + "the caller's own unread count.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("messages.threads", new { me.Id });
        var rows = await Data.PageAsync(db, me, cursors.Decode<Key>(req.Cursor, scope), limit + 1, ct);
        var items = rows.Select(r =>
        {
            var asClient = r.ClientId == me.Id;
            return new Response(
                r.Id,
                asClient ? Parties.Client : Parties.Provider,
                asClient
                    ? new OtherParty(Parties.Provider, r.ProviderId, r.BusinessName)
                    : new OtherParty(Parties.Client, r.ClientId, Parties.ClientName(r.ClientFirstName, r.ClientLastName, r.ClientId)),
                r.Subject,
                r.ListingId,
                r.TransactionId,
                r.Status,
                r.LastMessagePreview,
                r.LastMessageAt,
                asClient ? r.ClientUnreadCount : r.ProviderUnreadCount,
                r.CreatedAt);
        }).ToList();
        await Send.OkAsync(cursors.Page(items, limit, t => new Key(t.LastMessageAt ?? t.CreatedAt, t.Id), scope), ct);
    }
}
