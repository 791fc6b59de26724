using System.Security.Cryptography;
using System.Text;

namespace Marketplace.Api.Features.Listings.Create;

/// <summary>
/// Readable, unique listing slugs: the title folded to ASCII, lowercase and hyphenated, plus a short
/// random suffix ("dog-grooming-in-austin-7k2f"). The rule integrators rely on (README "OpenAPI and
/// typed clients"): a slug always contains a letter (the suffix starts with one), so it is never a
/// number, and GET /listings/{slug} never takes a listing id (its route refuses a segment of digits
/// only). Matches the column's CHECK: ^[a-z0-9]+(-[a-z0-9]+)*$.
/// </summary>
public static class Slug
{
    public const int MaxBaseLength = 80;
    private const string SuffixAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    private const string SuffixLetters = "abcdefghijkmnpqrstuvwxyz";

    public static string From(string title) => $"{Base(title)}-{Suffix()}";

    /// <summary>The readable part: ASCII letters and digits in runs joined by single hyphens.</summary>
    public static string Base(string title)
    {
        var slug = new StringBuilder(MaxBaseLength);
        var pendingHyphen = false;
        foreach (var c in title)
        {
            var ascii = char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c).ToString() : Folded.GetValueOrDefault(c);
            if (ascii is null)
            {
                pendingHyphen = slug.Length > 0;
                continue;
            }
            if (pendingHyphen)
            {
                slug.Append('-');
                pendingHyphen = false;
            }
            slug.Append(ascii);
            if (slug.Length >= MaxBaseLength)
            {
                break;
            }
        }
        var result = slug.Length > MaxBaseLength ? slug.ToString(0, MaxBaseLength) : slug.ToString();
        result = result.Trim('-');
        return result.Length == 0 ? "listing" : result;
    }

    // ASCII folding of Latin-1 and Latin Extended-A by table: the app runs with InvariantGlobalization,
    // where string.Normalize cannot decompose accented letters.
    private static readonly Dictionary<char, string> Folded = BuildFolding(
        ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"), ("ÇçĆćĈĉĊċČč", "c"), ("ĎďĐđÐð", "d"), ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"),
        ("ĜĝĞğĠġĢģ", "g"), ("ĤĥĦħ", "h"), ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"), ("Ĵĵ", "j"), ("Ķķ", "k"), ("ĹĺĻļĽľĿŀŁł", "l"),
        ("ÑñŃńŅņŇň", "n"), ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"), ("ŔŕŖŗŘř", "r"), ("ŚśŜŝŞşŠš", "s"), ("ŢţŤťŦŧ", "t"),
        ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"), ("Ŵŵ", "w"), ("ÝýÿŶŷŸ", "y"), ("ŹźŻżŽž", "z"),
        ("ß", "ss"), ("Ææ", "ae"), ("Œœ", "oe"), ("Þþ", "th"), ("&", "and"));

    private static Dictionary<char, string> BuildFolding(params (string From, string To)[] groups) =>
        groups.SelectMany(g => g.From.Select(c => (c, g.To))).ToDictionary(p => p.c, p => p.To);

    private static string Suffix() =>
        string.Create(4, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                var alphabet = i == 0 ? SuffixLetters : SuffixAlphabet;
                chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
}
