namespace Marketplace.Api.Features.Admin.Users.Get;

public sealed record Request
{
    /// <summary>The user's id.</summary>
    public int Id { get; init; }
}
