using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.VerifyEmail;

/// <param name="Token">The token of the link in the verification mail.</param>
public sealed record Request(string Token);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Token).MustBeToken();
    }
}
