using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Providers.CalendarFeed;

public sealed record Request
{
    /// <summary>The feed's secret from POST /providers/me/calendar-token.</summary>
    [QueryParam] public string? Token { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator() => RuleFor(r => r.Token).NotEmpty().MaximumLength(100);
}
