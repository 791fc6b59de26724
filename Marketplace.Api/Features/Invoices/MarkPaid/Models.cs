using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Invoices.MarkPaid;

/// <summary>How the client paid outside the platform: cash | check | bank_transfer | other, and a reference (check number, transfer id).</summary>
public sealed record Request
{
    public int Id { get; init; }
    public string? Method { get; init; }
    public string? Reference { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public static readonly string[] Methods = ["cash", "check", "bank_transfer", "other"];

    public Validator()
    {
        RuleFor(r => r.Id).GreaterThan(0);
        RuleFor(r => r.Method).NotEmpty().OneOf(Methods);
        RuleFor(r => r.Reference).MaximumLength(200);
    }
}
