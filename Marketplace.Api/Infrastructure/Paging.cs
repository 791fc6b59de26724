using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Infrastructure;

/// <summary>A page of a keyset-paginated list: <c>{ items, nextCursor }</c>, nextCursor null on the last page.</summary>
public sealed record CursorPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset pagination (DESIGN: ?limit= 1-100, default 20; ?cursor= opaque). A cursor is the sort key
/// of the last item served, as base64url JSON; the next page is "rows after that key" on an index,
/// so page 50 costs what page 1 costs.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>Encodes the last item's sort key (a small record) as an opaque cursor.</summary>
    public static string Encode<TKey>(TKey key) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(key, JsonSerializerOptions.Web));

    /// <summary>Decodes a cursor; a cursor that was not made by <see cref="Encode{TKey}"/> is a 400.</summary>
    public static TKey? Decode<TKey>(string? cursor) where TKey : class
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<TKey>(Base64Url.DecodeFromChars(cursor), JsonSerializerOptions.Web)
                ?? throw new JsonException();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            throw ApiProblem.BadRequest("invalid_cursor", "The cursor is not valid for this list; start again without one.");
        }
    }

    /// <summary>
    /// Builds the page from rows fetched with <c>limit + 1</c>: the extra row only tells that another page exists.
    /// </summary>
    public static CursorPage<T> Page<T, TKey>(IReadOnlyList<T> rowsPlusOne, int limit, Func<T, TKey> keyOf)
    {
        if (rowsPlusOne.Count <= limit)
        {
            return new CursorPage<T>(rowsPlusOne, null);
        }
        var items = rowsPlusOne.Take(limit).ToList();
        return new CursorPage<T>(items, Encode(keyOf(items[^1])));
    }

    /// <summary>Validator rules for a request's Limit (1-100) and Cursor (at most 1,000 characters).</summary>
    public static void AddPagingRules<T>(this AbstractValidator<T> validator, Func<T, int?> limit, Func<T, string?> cursor)
    {
        validator.RuleFor(r => limit(r)).InclusiveBetween(1, MaxLimit).When(r => limit(r) is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {MaxLimit}.");
        validator.RuleFor(r => cursor(r)).MaximumLength(1000).OverridePropertyName("cursor");
    }
}
