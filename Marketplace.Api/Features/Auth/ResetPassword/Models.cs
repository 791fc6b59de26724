using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.ResetPassword;

/// <param name="Token">The token of the link in the reset mail.</param>
public sealed record Request(string Token, string NewPassword);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Token).MustBeToken();
        RuleFor(r => r.NewPassword).MustBeNewPassword();
    }
}
