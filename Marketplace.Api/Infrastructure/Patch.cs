using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Base of PATCH request bodies (partial update: an absent field is unchanged, an explicit null
/// clears it). The JSON deserializer only calls the setter of a property that is present in the
/// body, so each patchable property records itself when set:
/// <code>public string? City { get; set => field = Set(value); }</code>
/// and the handler asks <see cref="Has"/> before writing the column.
/// </summary>
public abstract class PatchRequest
{
    private readonly HashSet<string> present = new(StringComparer.Ordinal);

    /// <summary>Whether the body carried this property (by C# name), null or not.</summary>
    public bool Has(string property) => present.Contains(property);

    /// <summary>The properties the body carried, by C# name.</summary>
    [JsonIgnore]
    public IReadOnlyCollection<string> PresentProperties => present;

    protected T Set<T>(T value, [CallerMemberName] string property = "")
    {
        present.Add(property);
        return value;
    }
}
