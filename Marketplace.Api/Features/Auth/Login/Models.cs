using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.Login;

public sealed record Request(string Email, string Password);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Email).NotEmpty().MaximumLength(Credentials.MaxEmailLength);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(Credentials.MaxPasswordLength);
    }
}
