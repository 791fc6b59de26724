namespace Marketplace.Api.Features.Integrations.ApiKeys.Revoke;

public sealed record Request
{
    /// <summary>The key's id.</summary>
    public int Id { get; init; }
}
