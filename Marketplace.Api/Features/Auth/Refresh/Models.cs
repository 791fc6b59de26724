using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.Refresh;

public sealed record Request(string RefreshToken);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.RefreshToken).MustBeToken();
    }
}
