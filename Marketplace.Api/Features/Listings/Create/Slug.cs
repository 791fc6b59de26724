using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Marketplace.Api.Features.Listings.Create;

/// <summary>
/// Readable, unique listing slugs: the title folded to ASCII, lowercase and hyphenated, plus a short
/// random suffix ("dog-grooming-in-austin-7k2f"). The suffix always follows a hyphen, so a slug is
/// never a bare number and GET /listings/{slug} never collides with the numeric listing ids.
/// Matches the column's CHECK: ^[a-z0-9]+(-[a-z0-9]+)*$.
/// </summary>
public static class Slug
{
    public const int MaxBaseLength = 80;
    private const string SuffixAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string From(string title) => $"{Base(title)}-{Suffix()}";

    /// <summary>The readable part: ASCII letters and digits in runs joined by single hyphens.</summary>
    public static string Base(string title)
    {
        var folded = title.Normalize(NormalizationForm.FormD);
        var slug = new StringBuilder(Math.Min(folded.Length, MaxBaseLength));
        var pendingHyphen = false;
        foreach (var c in folded)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue; // the accent of é, ü, ñ...
            }
            var lower = c switch
            {
                'ß' => "ss",
                'æ' or 'Æ' => "ae",
                'ø' or 'Ø' => "o",
                'œ' or 'Œ' => "oe",
                '&' => "and",
                _ => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c).ToString() : null,
            };
            if (lower is null)
            {
                pendingHyphen = slug.Length > 0;
                continue;
            }
            if (pendingHyphen)
            {
                slug.Append('-');
                pendingHyphen = false;
            }
            slug.Append(lower);
            if (slug.Length >= MaxBaseLength)
            {
                break;
            }
        }
        var result = slug.ToString();
        if (result.Length > MaxBaseLength)
        {
            result = result[..MaxBaseLength];
        }
        result = result.Trim('-');
        return result.Length == 0 ? "listing" : result;
    }

    private static string Suffix() =>
        string.Create(4, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = SuffixAlphabet[RandomNumberGenerator.GetInt32(SuffixAlphabet.Length)];
            }
        });
}
