using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.DeleteMe;

public sealed record Request
{
    /// <summary>The account's current password (a wrong one is a 400 on password, counted like change-password's).</summary>
    public string? Password { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Password).NotEmpty().MaximumLength(Credentials.MaxPasswordLength);
    }
}
