using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;
using NJsonSchema.Annotations;

namespace Marketplace.Api.Features.Auth.UpdateMe;

/// <summary>
/// A partial update (JSON Merge Patch semantics): a field left out stays as it is, a field sent as
/// null is cleared, a field with a value is replaced. The address merges the same way.
/// </summary>
public sealed class Request
{
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> FirstName { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> LastName { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> Phone { get; init; }

    /// <summary>The shipping address; null clears all of it.</summary>
    [JsonSchemaType(typeof(AddressPatch), IsNullable = true)] public Optional<AddressPatch?> Address { get; init; }
}

public sealed class AddressPatch
{
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> AddressLine1 { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> AddressLine2 { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> City { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> State { get; init; }
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> Zip { get; init; }

    /// <summary>ISO 3166-1 alpha-2 code (US, CA, ...).</summary>
    [JsonSchemaType(typeof(string), IsNullable = true)] public Optional<string?> Country { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        // users.first_name / last_name varchar(100), phone varchar(32)
        RuleFor(r => r.FirstName).MaxLength(100);
        RuleFor(r => r.LastName).MaxLength(100);
        RuleFor(r => r.Phone).MaxLength(32)
            .Pattern(@"^\+?[0-9][0-9 ().\-]*$", "A phone number has digits, spaces, ( ) . - and an optional leading +.");
        RuleFor(r => r.Address.Value!).SetValidator(new AddressValidator())
            .When(r => r.Address is { IsSet: true, Value: not null })
            .OverridePropertyName("address");
    }

    private sealed class AddressValidator : AbstractValidator<AddressPatch>
    {
        public AddressValidator()
        {
            // users.address_line1/2 varchar(200), city/state varchar(100), zip varchar(20), country varchar(2)
            RuleFor(a => a.AddressLine1).MaxLength(200);
            RuleFor(a => a.AddressLine2).MaxLength(200);
            RuleFor(a => a.City).MaxLength(100);
            RuleFor(a => a.State).MaxLength(100);
            RuleFor(a => a.Zip).MaxLength(20);
            RuleFor(a => a.Country).Pattern("^[A-Za-z]{2}$", "A country is a two-letter ISO 3166-1 code (US, CA, ...).");
        }
    }
}
