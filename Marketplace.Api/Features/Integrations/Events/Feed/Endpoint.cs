using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Events.Feed;

public sealed class Endpoint(Db db) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("events");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Events feed";
            s.Description = "State changes of the resources the caller is a party to (their account, provider, listings, bookings, "
                + "invoices, messages and reviews), oldest first, after the sequence given in ?after=. Poll with the nextAfter of "
                + "the previous answer: an event committed later always has a larger sequence than every event already answered, "
                + "so nothing is skipped (an event appears once every transaction older than it has ended). ?types= filters "
                + "(comma-separated), ?limit= 1-100 (default 20). data is the resource as its GET answers it, by resource.type: "
                + "user = GET /auth/me (user.deleted: only id, status and deletedAt; user.admin_granted and user.admin_revoked: id, email and isAdmin); provider = GET /providers/me; "
                + "listing = GET /listings/{slug} (listing.deleted: as it was; listing.availability_changed: the plan as "
                + "GET /listings/{id}/availability answers it, or the exception added or removed); transaction = GET /transactions/{id} "
                + "and invoice = GET /invoices/{id}, both as the client sees them (internalNotes null), for both parties; "
                + "review = an item of GET /providers/{id}/reviews; message = the message as sending it answered "
                + "(GET /messages/threads/{id} items without the reader-relative mine); thread = the closed thread as closing it answered; "
                + "payout = an item of GET /providers/me/payouts; dispute = { id, invoiceId, transactionId, status, amountCents, reason, onHold } "
                + "(no GET of its own; the invoice's disputeStatus follows it); payment_issue = the resolution as resolving it answered (admins).";
            s.ExampleRequest = new Request { After = 0, Types = "transaction.paid,invoice.paid", Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var after = req.After ?? 0;
        var types = req.Types is null ? null : ParseTypes(req.Types);
        var items = await Data.PageAsync(db, me.Id, after, types, req.Limit ?? Paging.DefaultLimit, ct);
        await Send.OkAsync(new Response(items, items.Count > 0 ? items[^1].Sequence : after), ct);
    }

    public static string[] ParseTypes(string types) =>
        types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
}
