using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.ResendVerification;

public sealed record Request(string Email);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Email).MustBeEmail();
    }
}

/// <summary>The same answer whether or not the address has an account (no enumeration).</summary>
public sealed record Response(string Message);
