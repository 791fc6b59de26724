using System.Text.Json.Serialization;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings;

/// <summary>
/// Source-generated JSON for the public listing reads (browse, view): the serializer writes these
/// answers with generated code instead of reflection-built metadata. The options are those of
/// <c>Infrastructure/Api.cs</c> (camelCase, nulls written, strict numbers), so the JSON is the same
/// bytes; benchmarks/RawFloor compares them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CursorPage<Browse.Item>))]
[JsonSerializable(typeof(Browse.Request), TypeInfoPropertyName = "BrowseRequest")]
[JsonSerializable(typeof(ListingDetails))]
[JsonSerializable(typeof(GetBySlug.Request), TypeInfoPropertyName = "GetBySlugRequest")]
internal sealed partial class ListingsJson : JsonSerializerContext;
