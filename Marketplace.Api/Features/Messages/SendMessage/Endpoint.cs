using FastEndpoints;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.SendMessage;

public sealed class Endpoint(Db db, TimeProvider clock, MarketplaceOptions options) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("messages/threads/{id:int}/messages");
        Policies(Infrastructure.Policies.VerifiedEmail);
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<Response>(StatusCodes.Status201Created, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(404)
            .ProducesProblemDetails(409)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Send a message";
            s.Description = "Adds a message (1 to 5,000 characters, trimmed) to a thread of the caller's. The thread's last activity and "
                + "preview move, the other side's unread count grows by one, and they get an e-mail: at most one per thread every "
                + "15 minutes while they have unread messages. Participants only (404 otherwise); 409 thread_closed when the thread "
                + "is no longer open; 429 rate_limited with Retry-After beyond the per-user messages-per-minute limit.";
            s.Responses[201] = "The message was stored.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        await using var transaction = await db.BeginTransactionAsync(ct);
        await Delivery.EnsureWithinFloodLimitAsync(db, clock, options, me.Id, ct);
        var thread = await Delivery.LockForParticipantAsync(db, req.Id, me, ct) ?? throw ApiProblem.NotFound("thread");
        if (thread.Status != "open")
        {
            throw ApiProblem.Conflict("thread_closed", $"The thread is {thread.Status}; start a new one to write again.");
        }
        var message = await Delivery.PostAsync(db, clock, options, thread, me.Id, req.Body!.Trim(), ct);
        await transaction.CommitAsync(ct);

        await Send.ResponseAsync(new Response(message.Id, message.ThreadId, message.SenderId, message.Body, message.CreatedAt),
            StatusCodes.Status201Created, ct);
    }
}
