using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Integrations.ApiKeys;

/// <summary>An API key as its owner sees it (never the key itself, except once when created).</summary>
/// <param name="Id">The key's id (for DELETE /api-keys/{id}).</param>
/// <param name="Name">The owner's label.</param>
/// <param name="Scope">read (GET only) | write (everything the owner may do).</param>
/// <param name="Prefix">The key's first characters, to tell keys apart.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">When it last authenticated a request (to the minute); null if never.</param>
public sealed record ApiKeyView(int Id, string Name, string Scope, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt)
{
    public static ApiKeyView From(ApiKeyRow k) => new(k.Id, k.Name, k.Scope, k.KeyPrefix, k.CreatedAt, k.LastUsedAt);
}

/// <summary>The scopes of an API key.</summary>
public static class ApiKeyScopes
{
    public const string Read = "read";
    public const string Write = "write";

    public static readonly string[] All = [Read, Write];
}
