using FastEndpoints;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.StartThread;

public sealed class Endpoint(Db db, TimeProvider clock, MarketplaceOptions options) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("messages/threads");
        Policies(Infrastructure.Policies.VerifiedEmail);
        Description(d => d
            .Produces<Response>(StatusCodes.Status200OK, "application/json")
            .Produces<Response>(StatusCodes.Status201Created, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(404)
            .ProducesProblemDetails(429));
        Summary(s =>
        {
            s.Summary = "Start a thread";
            s.Description = "Starts a conversation with its first message. A client writes to a provider (providerId, or a listingId or "
                + "transactionId of theirs); a provider writes to a client they have a transaction with (clientId; 404 when there is none). "
                + "One open thread per client, provider and topic (listing, transaction or none): asking again answers 200 with the existing "
                + "thread and adds the message to it (an identical retry adds nothing). A new thread is 201; a client's new thread about a "
                + "listing counts one inquiry on it. 400 cannot_message_yourself; 429 rate_limited (per-user message limit, Retry-After).";
            s.Responses[200] = "The open thread on this topic already existed; the message was added to it.";
            s.Responses[201] = "A new thread was started.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var topic = req.ClientId is { } clientId
            ? await AsProviderAsync(req, me, clientId, ct)
            : await AsClientAsync(req, me, ct);
        var body = req.Body!.Trim();
        var subject = string.IsNullOrWhiteSpace(req.Subject) ? topic.DefaultSubject : req.Subject.Trim();

        await using var transaction = await db.BeginTransactionAsync(ct);
        await Delivery.EnsureWithinFloodLimitAsync(db, clock, options, me.Id, ct);

        var created = false;
        var threadId = await Data.OpenThreadAsync(db, topic, ct);
        if (threadId is null)
        {
            threadId = await Data.InsertIfAbsentAsync(db, topic, subject, Delivery.Now(clock), ct);
            created = threadId is not null;
            threadId ??= await Data.OpenThreadAsync(db, topic, ct)
                ?? throw new InvalidOperationException("the open thread that won the insert is not visible");
            if (created && topic.CountsInquiry)
            {
                await Data.CountInquiryAsync(db, topic.ListingId!.Value, ct);
            }
        }

        var thread = await Delivery.LockForParticipantAsync(db, threadId.Value, me, ct)
            ?? throw new InvalidOperationException("the caller is not a participant of the thread of their own topic");
        var last = created ? null : await Data.LastMessageAsync(db, thread.Id, ct);
        var message = last is not null && last.SenderId == me.Id && last.Body == body
            ? last // the same question asked again (a retry): nothing new to deliver
            : await Delivery.PostAsync(db, clock, options, thread, me.Id, body, ct);
        await transaction.CommitAsync(ct);

        var response = new Response(
            thread.Id,
            me.Id == thread.ClientId ? Parties.Client : Parties.Provider,
            thread.OtherPartyOf(me.Id),
            thread.ClientId,
            thread.ProviderId,
            thread.ListingId,
            thread.TransactionId,
            thread.Subject,
            thread.Status,
            thread.CreatedAt,
            message.CreatedAt,
            new Message(message.Id, message.SenderId, message.Body, message.CreatedAt));
        await Send.ResponseAsync(response, created ? StatusCodes.Status201Created : StatusCodes.Status200OK, ct);
    }

    /// <summary>The caller is the client: the provider comes from providerId, the listing or the transaction.</summary>
    private async Task<Topic> AsClientAsync(Request req, CurrentUser me, CancellationToken ct)
    {
        int? topicProvider = null;
        string? defaultSubject = null;
        if (req.TransactionId is { } transactionId)
        {
            var booking = await Data.ClientTransactionAsync(db, transactionId, me.Id, ct) ?? throw ApiProblem.NotFound("transaction");
            topicProvider = booking.ProviderId;
            defaultSubject = Delivery.Preview(booking.ServiceDescription);
        }
        else if (req.ListingId is { } listingId)
        {
            var listing = await Data.ActiveListingAsync(db, listingId, ct) ?? throw ApiProblem.NotFound("listing");
            topicProvider = listing.ProviderId;
            defaultSubject = Delivery.Preview(listing.Title);
        }
        if (req.ProviderId is { } named && topicProvider is { } actual && named != actual)
        {
            AddError(r => r.ProviderId, "providerId is not the provider of this listing or transaction.");
            ThrowIfAnyErrors();
        }

        var providerId = topicProvider ?? req.ProviderId!.Value;
        var provider = await Data.ProviderAsync(db, providerId, ct);
        // a booking keeps its conversation whatever happened to the provider since; new contacts need an active one
        if (provider is null || (provider.Status != "active" && req.TransactionId is null))
        {
            throw ApiProblem.NotFound("provider");
        }
        if (provider.UserId == me.Id)
        {
            throw CannotMessageYourself();
        }
        return new Topic(me.Id, providerId, req.ListingId, req.TransactionId, defaultSubject, CountsInquiry: req.ListingId is not null);
    }

    /// <summary>The caller writes as a provider, to a client they have (or had) a transaction with.</summary>
    private async Task<Topic> AsProviderAsync(Request req, CurrentUser me, int clientId, CancellationToken ct)
    {
        if (me.ProviderId is not { } providerId)
        {
            throw ApiProblem.Forbidden("not_a_provider", "Only providers can start a thread with a client (clientId); write to a provider with providerId.");
        }
        if (clientId == me.Id)
        {
            throw CannotMessageYourself();
        }

        string? defaultSubject = null;
        if (req.TransactionId is { } transactionId)
        {
            var booking = await Data.ProviderTransactionAsync(db, transactionId, providerId, clientId, ct) ?? throw ApiProblem.NotFound("transaction");
            defaultSubject = Delivery.Preview(booking.ServiceDescription);
        }
        else if (!await Data.HaveTransactedAsync(db, providerId, clientId, ct))
        {
            // not a client of yours: as invisible to you as a user who does not exist
            throw ApiProblem.NotFound("client");
        }
        if (req.ListingId is { } listingId)
        {
            var listing = await Data.OwnListingAsync(db, listingId, providerId, ct) ?? throw ApiProblem.NotFound("listing");
            defaultSubject = Delivery.Preview(listing.Title);
        }
        if (!await Data.ClientIsLiveAsync(db, clientId, ct))
        {
            throw ApiProblem.NotFound("client");
        }
        return new Topic(clientId, providerId, req.ListingId, req.TransactionId, defaultSubject, CountsInquiry: false);
    }

    private static ApiProblem CannotMessageYourself() =>
        ApiProblem.BadRequest("cannot_message_yourself", "A thread is between a client and another user's provider business; you cannot write to yourself.");
}
