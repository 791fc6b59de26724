using FastEndpoints;

namespace Marketplace.Api.Features.Messages.SendMessage;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>1 to 5,000 characters once trimmed.</summary>
    public string? Body { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Body).MessageBody();
}

public sealed record Response(long Id, int ThreadId, int SenderId, string Body, DateTime CreatedAt);
