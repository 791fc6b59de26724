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
                + "(comma-separated), ?limit= 1-100 (default 20).";
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
