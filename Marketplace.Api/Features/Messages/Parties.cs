using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Messages;

/// <summary>
/// The other participant of a thread as the caller sees it: <c>role</c> "provider" (id = provider id,
/// name = business name) or "client" (id = user id, name = first and last name).
/// </summary>
public sealed record OtherParty([OneOf("client", "provider")] string Role, int Id, string Name);

/// <summary>How the two sides of a thread are named to each other.</summary>
internal static class Parties
{
    public const string Client = "client";
    public const string Provider = "provider";

    /// <summary>A client's display name: first and last name, or "Client {id}" when they gave none (never the e-mail).</summary>
    public static string ClientName(string? firstName, string? lastName, int userId)
    {
        var name = $"{firstName} {lastName}".Trim();
        return name.Length > 0 ? name : $"Client {userId}";
    }
}
