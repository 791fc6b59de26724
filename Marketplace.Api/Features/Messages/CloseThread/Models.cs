namespace Marketplace.Api.Features.Messages.CloseThread;

public sealed record Request
{
    /// <summary>The thread's id.</summary>
    public int Id { get; init; }
}

/// <summary>The closed thread.</summary>
/// <param name="Id">The thread's id.</param>
/// <param name="Status">closed</param>
/// <param name="ClientId">The client participant.</param>
/// <param name="ProviderId">The provider participant.</param>
/// <param name="ListingId">The listing it is about, if any.</param>
/// <param name="TransactionId">The booking it is about, if any.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="ClosedBy">client | provider: who closed it.</param>
/// <param name="UpdatedAt">When it was closed.</param>
public sealed record Response(int Id, string Status, int ClientId, int ProviderId, int? ListingId, long? TransactionId, string? Subject, string ClosedBy, DateTime UpdatedAt);
