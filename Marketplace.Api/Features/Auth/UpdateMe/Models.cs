using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.UpdateMe;

/// <summary>
/// A partial update (JSON Merge Patch semantics): a field left out stays as it is, a field sent as
/// null is cleared, a field with a value is replaced. The address merges the same way.
/// </summary>
public sealed class Request : PatchRequest
{
    public string? FirstName { get; set => field = Set(value); }
    public string? LastName { get; set => field = Set(value); }
    public string? Phone { get; set => field = Set(value); }

    /// <summary>The shipping address; null clears all of it.</summary>
    public AddressPatch? Address { get; set => field = Set(value); }
}

public sealed class AddressPatch : PatchRequest
{
    public string? AddressLine1 { get; set => field = Set(value); }
    public string? AddressLine2 { get; set => field = Set(value); }
    public string? City { get; set => field = Set(value); }
    public string? State { get; set => field = Set(value); }
    public string? Zip { get; set => field = Set(value); }

    /// <summary>ISO 3166-1 alpha-2 code (US, CA, ...).</summary>
    public string? Country { get; set => field = Set(value); }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        // users.first_name / last_name varchar(100), phone varchar(32); values are stored trimmed
        RuleFor(r => r.FirstName).Must(v => Trimmed(v) <= 100).WithMessage("At most 100 characters.");
        RuleFor(r => r.LastName).Must(v => Trimmed(v) <= 100).WithMessage("At most 100 characters.");
        RuleFor(r => r.Phone).Must(v => Trimmed(v) <= 32).WithMessage("At most 32 characters.")
            .Matches(@"^\s*\+?[0-9][0-9 ().\-]*$").When(r => !string.IsNullOrWhiteSpace(r.Phone))
            .WithMessage("A phone number has digits, spaces, ( ) . - and an optional leading +.");
        RuleFor(r => r.Address!).SetValidator(new AddressValidator()).When(r => r.Address is not null);
    }

    private static int Trimmed(string? value) => value?.Trim().Length ?? 0;

    private sealed class AddressValidator : AbstractValidator<AddressPatch>
    {
        public AddressValidator()
        {
            // users.address_line1/2 varchar(200), city/state varchar(100), zip varchar(20), country varchar(2)
            RuleFor(a => a.AddressLine1).Must(v => Trimmed(v) <= 200).WithMessage("At most 200 characters.");
            RuleFor(a => a.AddressLine2).Must(v => Trimmed(v) <= 200).WithMessage("At most 200 characters.");
            RuleFor(a => a.City).Must(v => Trimmed(v) <= 100).WithMessage("At most 100 characters.");
            RuleFor(a => a.State).Must(v => Trimmed(v) <= 100).WithMessage("At most 100 characters.");
            RuleFor(a => a.Zip).Must(v => Trimmed(v) <= 20).WithMessage("At most 20 characters.");
            RuleFor(a => a.Country).Matches(@"^\s*[A-Za-z]{2}\s*$").When(a => !string.IsNullOrWhiteSpace(a.Country))
                .WithMessage("A country is a two-letter ISO 3166-1 code (US, CA, ...).");
        }
    }
}
