using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Infrastructure;

/// <summary>A page of a keyset-paginated list: <c>{ items, nextCursor }</c>, nextCursor null on the last page.</summary>
public sealed record CursorPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// The list a cursor belongs to: its name (<c>transactions</c>, <c>listings.browse</c>) and every value
/// that shapes which rows it holds and in which order (the caller, route ids, filters, the sort).
/// A cursor made for one scope is refused by every other.
/// </summary>
public sealed record CursorScope(string List, object? Filters = null);

/// <summary>Limits of every list (DESIGN: ?limit= 1-100, default 20; ?cursor= opaque).</summary>
public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxCursorLength = 1000;

    /// <summary>Validator rules for a request's Limit (1-100) and Cursor (at most 1,000 characters).</summary>
    public static void AddPagingRules<T>(this AbstractValidator<T> validator, Func<T, int?> limit, Func<T, string?> cursor)
    {
        validator.RuleFor(r => limit(r)).InclusiveBetween(1, MaxLimit).When(r => limit(r) is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {MaxLimit}.");
        validator.RuleFor(r => cursor(r)).MaximumLength(MaxCursorLength).OverridePropertyName("cursor");
    }
}

/// <summary>
/// Keyset cursors. A cursor is the sort key of the last item served (base64url JSON) and an
/// HMAC-SHA256 over that key, the list's name and its filters, with a key derived from the JWT
/// signing key (HKDF, its own purpose). So a cursor only opens the list and filters it was made
/// for: another list's cursor, the same list with other filters, or an edited cursor is
/// 400 <c>invalid_cursor</c> instead of a silently wrong page; and the next page is "rows after that
/// key" on an index, so page 50 costs what page 1 costs.
/// </summary>
public sealed class Cursors
{
    private const int MacBytes = 16;
    private static readonly byte[] Purpose = "marketplace/list-cursor/v1"u8.ToArray();

    private readonly byte[] key;

    public Cursors(SigningKey signingKey) : this(signingKey.Key.Key)
    {
    }

    /// <summary>From the JWT signing key's bytes (tests and benchmarks build one the way the API does).</summary>
    public Cursors(byte[] signingKey) =>
        key = HKDF.DeriveKey(HashAlgorithmName.SHA256, signingKey, 32, salt: [], info: Purpose);

    /// <summary>The cursor after <paramref name="position"/> (the last item's sort key, a small record) in this scope.</summary>
    public string Encode<TKey>(TKey position, CursorScope scope)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(position, JsonSerializerOptions.Web));
        return payload + "." + Base64Url.EncodeToString(Mac(payload, scope));
    }

    /// <summary>The position a cursor carries; null without a cursor; 400 invalid_cursor unless this scope made it.</summary>
    public TKey? Decode<TKey>(string? cursor, CursorScope scope) where TKey : class
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        try
        {
            if (dot <= 0 || cursor.Length > Paging.MaxCursorLength
                || !CryptographicOperations.FixedTimeEquals(Base64Url.DecodeFromChars(cursor.AsSpan(dot + 1)), Mac(cursor[..dot], scope)))
            {
                throw Invalid();
            }
            return JsonSerializer.Deserialize<TKey>(Base64Url.DecodeFromChars(cursor.AsSpan(0, dot)), JsonSerializerOptions.Web)
                ?? throw Invalid();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            throw Invalid();
        }
    }

    /// <summary>
    /// The page from rows fetched with <c>limit + 1</c> (the extra row only tells that another page
    /// exists), its nextCursor made for this scope.
    /// </summary>
    public CursorPage<T> Page<T, TKey>(IReadOnlyList<T> rowsPlusOne, int limit, Func<T, TKey> keyOf, CursorScope scope)
    {
        if (rowsPlusOne.Count <= limit)
        {
            return new CursorPage<T>(rowsPlusOne, null);
        }
        var items = rowsPlusOne.Take(limit).ToList();
        return new CursorPage<T>(items, Encode(keyOf(items[^1]), scope));
    }

    private byte[] Mac(string payload, CursorScope scope)
    {
        // the filters as JSON: unambiguous (quoted, escaped) and in declaration order
        var signed = $"{scope.List}\n{JsonSerializer.Serialize(scope.Filters, JsonSerializerOptions.Web)}\n{payload}";
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed))[..MacBytes];
    }

    private static ApiProblem Invalid() =>
        ApiProblem.BadRequest("invalid_cursor", "The cursor was not made for this list with these filters; start again without one.");
}
