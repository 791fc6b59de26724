using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Integrations.ApiKeys.Create;

public sealed record Request
{
    /// <summary>A label for the key (1 to 100 characters), e.g. the integration that uses it.</summary>
    public string? Name { get; init; }

    /// <summary>read (GET only) or write (every endpoint the owner may call).</summary>
    public string? Scope { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Name).NotEmpty().Must(n => n is null || n.Trim().Length is >= 1 and <= 100)
            .WithMessage("name must have 1 to 100 characters.");
        RuleFor(r => r.Scope).NotEmpty().Must(s => s is null || ApiKeyScopes.All.Contains(s)).WithMessage("scope must be read or write.");
    }
}

/// <param name="Id">The key's id.</param>
/// <param name="Name">The label.</param>
/// <param name="Scope">read | write.</param>
/// <param name="Prefix">The key's first characters.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">Always null on creation.</param>
/// <param name="Key">The key (<c>mk_...</c>): shown this once, only its hash is kept. Send it as <c>Authorization: Bearer mk_...</c>.</param>
public sealed record Response(int Id, string Name, string Scope, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, string Key);
