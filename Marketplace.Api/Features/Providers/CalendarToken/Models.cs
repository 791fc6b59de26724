namespace Marketplace.Api.Features.Providers.CalendarToken;

/// <summary>A new calendar feed secret; shown once.</summary>
public sealed record Response
{
    /// <summary>The secret (only its hash is stored; a new one replaces it and the old one stops working at once).</summary>
    public required string Token { get; init; }

    /// <summary>The feed's URL to subscribe to in a calendar app.</summary>
    public required string Url { get; init; }
}
