using System.Globalization;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.CloseThread;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("messages/threads/{id:int}/close");
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Close a message thread";
            s.Description = "Either participant closes the thread: open -> closed, for good. Sending to it then answers 409 thread_closed; "
                + "the messages stay readable, and asking about the same topic again starts a new thread. Participants only (404 "
                + "otherwise); closing a closed thread: 409 invalid_transition.";
            s.ExampleRequest = new Request { Id = 31 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var response = await db.InTransactionAsync(async c =>
        {
            var thread = await Delivery.LockForParticipantAsync(db, req.Id, me, c) ?? throw ApiProblem.NotFound("thread");
            var closedBy = thread.ClientId == me.Id ? Parties.Client : Parties.Provider;
            if (await Data.CloseAsync(db, req.Id, Delivery.Now(clock), c) == 0)
            {
                throw ApiProblem.InvalidTransition($"The thread is {thread.Status}; only open threads can be closed.");
            }
            var closed = await Data.ThreadAsync(db, req.Id, closedBy, c);
            var providerUserId = await Data.ProviderUserIdAsync(db, thread.ProviderId, c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ThreadClosed, "thread", req.Id.ToString(CultureInfo.InvariantCulture),
                closed, [thread.ClientId, providerUserId]), c);
            return closed;
        }, ct);
        await Send.OkAsync(response, ct);
    }
}
