using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.Register;

public sealed record Request(string Email, string Password, string? FirstName, string? LastName, string? Phone);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Email).MustBeEmail();
        RuleFor(r => r.Password).MustBeNewPassword()
            .Must((r, password) => password is null || !string.Equals(password.Trim(), r.Email?.Trim(), StringComparison.OrdinalIgnoreCase))
            .WithMessage("The password must not be your e-mail address.");
        // users.first_name / last_name varchar(100), phone varchar(32)
        RuleFor(r => r.FirstName).MaximumLength(100);
        RuleFor(r => r.LastName).MaximumLength(100);
        RuleFor(r => r.Phone).MaximumLength(32).Matches(@"^\+?[0-9][0-9 ().\-]*$").WithMessage("A phone number has digits, spaces, ( ) . - and an optional leading +.");
    }
}
