using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Auth.ChangePassword;

public sealed record Request(string CurrentPassword, string NewPassword);

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().MaximumLength(Credentials.MaxPasswordLength);
        RuleFor(r => r.NewPassword).MustBeNewPassword()
            .NotEqual(r => r.CurrentPassword).WithMessage("The new password must differ from the current one.");
    }
}
