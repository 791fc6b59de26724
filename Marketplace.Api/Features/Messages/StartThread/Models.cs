using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages.StartThread;

/// <summary>
/// A client writes to a provider (providerId, or a listingId / transactionId that names one); a
/// provider writes to a client they have a transaction with (clientId). The first message goes
/// with it.
/// </summary>
public sealed record Request
{
    /// <summary>The provider to write to, as a client; implied by listingId or transactionId.</summary>
    public int? ProviderId { get; init; }

    /// <summary>The client to write to, as a provider: only a client you have a transaction with.</summary>
    public int? ClientId { get; init; }

    /// <summary>The listing the thread is about (counts one inquiry on it when a client starts the thread).</summary>
    public int? ListingId { get; init; }

    /// <summary>The transaction (booking) the thread is about; one of yours.</summary>
    public long? TransactionId { get; init; }

    /// <summary>Optional subject (200 characters); defaults to the listing's title or the booking's description.</summary>
    public string? Subject { get; init; }

    /// <summary>The first message, 1 to 5,000 characters once trimmed.</summary>
    public string? Body { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Body).MessageBody();
        RuleFor(r => r.Subject).MaximumLength(200).WithMessage("subject must be at most 200 characters.");
        RuleFor(r => r.ProviderId).GreaterThan(0).When(r => r.ProviderId is not null);
        RuleFor(r => r.ClientId).GreaterThan(0).When(r => r.ClientId is not null);
        RuleFor(r => r.ListingId).GreaterThan(0).When(r => r.ListingId is not null);
        RuleFor(r => r.TransactionId).GreaterThan(0).When(r => r.TransactionId is not null);
        RuleFor(r => r.ClientId).Null().When(r => r.ProviderId is not null)
            .WithMessage("Give providerId (writing as a client) or clientId (writing as a provider), not both.");
        RuleFor(r => r.TransactionId).Null().When(r => r.ListingId is not null)
            .WithMessage("A thread is about a listing or a transaction, not both.");
        RuleFor(r => r.ProviderId).NotNull()
            .When(r => r.ClientId is null && r.ListingId is null && r.TransactionId is null)
            .WithMessage("Name whom you write to: providerId (or a listingId or transactionId of theirs), or clientId when writing as a provider.");
    }
}

/// <summary>The thread (new or the existing open one on the same topic) and the message stored by this request.</summary>
public sealed record Response(
    int Id,
    [OneOf("client", "provider")] string Role,
    OtherParty OtherParty,
    int ClientId,
    int ProviderId,
    int? ListingId,
    long? TransactionId,
    string? Subject,
    [OneOf("open", "closed", "archived")] string Status,
    DateTime CreatedAt,
    DateTime LastMessageAt,
    Message Message);

public sealed record Message(long Id, int SenderId, string Body, DateTime CreatedAt);
