using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Marketplace.Api.Infrastructure.OpenApiContract;

/// <summary>
/// The document as served at /openapi/v1.json: NSwag's, finished where the rules are about the
/// whole document rather than one type or operation (README "OpenAPI and typed clients").
/// </summary>
internal sealed class ContractDocument(NSwag.Generation.IOpenApiDocumentGenerator generator)
{
    private readonly Lazy<Task<string>> json = new(async () =>
    {
        var document = await generator.GenerateAsync("v1");
        var root = JsonNode.Parse(document.ToJson())!.AsObject();
        DocumentContract.Apply(root);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    });

    public Task<string> JsonAsync() => json.Value;
}

internal static partial class DocumentContract
{
    private const string SchemaRef = "#/components/schemas/";
    /// <summary>A text answer has no schema to build an example from: the calendar feed's is this one (RFC 5545).</summary>
    private const string CalendarExample = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Marketplace//Bookings//EN\r\nBEGIN:VEVENT\r\n"
        + "UID:transaction-42@marketplace\r\nDTSTAMP:20261126T120000Z\r\nDTSTART:20261201T150000Z\r\nDTEND:20261201T160000Z\r\n"
        + "SUMMARY:Dog grooming\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    private const string ProblemRef = SchemaRef + "Problem";

    /// <summary>Fields a problem carries every time; detail, instance and errors only when there is one.</summary>
    private static readonly string[] ProblemRequired = ["type", "title", "status", "code", "traceId"];

    /// <summary>Answers any operation can give, besides the ones its endpoint declares.</summary>
    private static readonly (string Status, string Description, Func<JsonObject, bool> Applies)[] CommonAnswers =
    [
        ("413", "payload_too_large: the body is over the endpoint's limit (64 KB unless the description says more).", op => op.ContainsKey("requestBody")),
        ("415", "unsupported_media_type: the body is not application/json.", op => op.ContainsKey("requestBody")),
        ("429", "rate_limited: too many requests from this network; retry after the Retry-After seconds.", op => op.ContainsKey(OperationContract.RateLimited)),
        ("503", "service_unavailable: the database cannot be reached right now; retry after the Retry-After seconds.", _ => true),
    ];

    /// <summary>The 503 of an operation that hashes a password (<see cref="Passwords"/>): it also answers busy.</summary>
    private const string HashingBusy = "busy: too many password checks are in progress on this server (Marketplace:Passwords); service_unavailable: "
        + "the database cannot be reached right now. Retry after the Retry-After seconds.";

    private static readonly Dictionary<string, string> ReasonPhrases = new()
    {
        ["200"] = "OK", ["201"] = "Created", ["202"] = "Accepted", ["204"] = "No Content", ["400"] = "Bad Request", ["401"] = "Unauthorized",
        ["403"] = "Forbidden", ["404"] = "Not Found", ["405"] = "Method Not Allowed", ["409"] = "Conflict", ["410"] = "Gone",
        ["412"] = "Precondition Failed", ["413"] = "Payload Too Large", ["415"] = "Unsupported Media Type", ["422"] = "Unprocessable Content",
        ["429"] = "Too Many Requests", ["500"] = "Internal Server Error", ["502"] = "Bad Gateway", ["503"] = "Service Unavailable",
        ["504"] = "Gateway Timeout",
    };

    public static void Apply(JsonObject doc)
    {
        var info = doc["info"]!.AsObject();
        info["contact"] ??= new JsonObject { ["name"] = "Marketplace API team" };
        info["license"] ??= new JsonObject { ["name"] = "Proprietary" };
        // the document is cached, so it names no host: paths resolve against the host that served it
        doc["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The host that serves this document (http://localhost:5080 for scripts/run.sh)" });

        var schemas = doc["components"]!["schemas"]!.AsObject();
        NormalizeSchemas(doc);
        var paths = MergeEquivalentPaths(doc["paths"]!.AsObject());
        doc["paths"] = paths;

        var tags = new List<string>();
        foreach (var (_, item) in paths)
        {
            foreach (var (_, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                CompleteOperation(operation, schemas);
                foreach (var tag in operation["tags"]?.AsArray() ?? [])
                {
                    if (!tags.Contains(tag!.GetValue<string>()))
                    {
                        tags.Add(tag.GetValue<string>());
                    }
                }
            }
        }
        doc["tags"] = new JsonArray([.. tags.Order(StringComparer.Ordinal).Select(t => new JsonObject { ["name"] = t, ["description"] = $"{t} operations." })]);

        RemoveUnusedSchemas(doc, schemas);
        ResolveRequired(doc, schemas);
        DescribeProperties(schemas);
    }

    /// <summary>A property without its model's doc comment takes the glossary's line; a bare $ref becomes allOf to carry it.</summary>
    private static void DescribeProperties(JsonObject schemas)
    {
        foreach (var (_, schema) in schemas)
        {
            if (schema?["properties"] is not JsonObject properties)
            {
                continue;
            }
            foreach (var (name, node) in properties.ToList())
            {
                if (node is not JsonObject property || property["description"] is not null
                    || !FieldGlossary.Descriptions.TryGetValue(name, out var description))
                {
                    continue;
                }
                if (property["$ref"] is { } reference)
                {
                    property.Remove("$ref");
                    property["allOf"] = new JsonArray(new JsonObject { ["$ref"] = reference.DeepClone() });
                }
                property["description"] = description;
            }
        }
    }

    private static void CompleteOperation(JsonObject operation, JsonObject schemas)
    {
        // an operation without a security requirement is one anyone may call: say so, there is no global default
        operation["security"] ??= new JsonArray();
        if (operation.Remove(OperationContract.OptionalBearerMarker))
        {
            operation["security"] = new JsonArray(new JsonObject(), new JsonObject { ["JWTBearerAuth"] = new JsonArray() });
        }
        var responses = operation["responses"]!.AsObject();
        foreach (var (status, description, applies) in CommonAnswers)
        {
            if (applies(operation) && !responses.ContainsKey(status))
            {
                responses[status] = new JsonObject();
            }
            if (responses[status] is JsonObject answer && (answer["description"]?.GetValue<string>() is null or ""))
            {
                answer["description"] = description;
            }
        }
        operation.Remove(OperationContract.RateLimited);
        if (operation.Remove(OperationContract.HashesPasswords))
        {
            responses["503"]!["description"] = HashingBusy;
        }
        foreach (var (status, node) in responses.ToList())
        {
            var answer = node!.AsObject();
            if (answer["description"]?.GetValue<string>() is null or "")
            {
                answer["description"] = ReasonPhrases.GetValueOrDefault(status, "Answer");
            }
            if (status[0] is '4' or '5')
            {
                answer["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = ProblemRef } } };
            }
            else if (answer["content"]?["application/json"] is JsonObject media && !media.ContainsKey("example") && !media.ContainsKey("examples"))
            {
                media["example"] = Examples.For(media["schema"], schemas);
            }
            else if (answer["content"]?["text/calendar"] is JsonObject calendar && !calendar.ContainsKey("example"))
            {
                calendar["example"] = CalendarExample;
            }
        }
        if (operation["requestBody"]?["content"]?["application/json"] is JsonObject body && !body.ContainsKey("example") && !body.ContainsKey("examples"))
        {
            body["example"] = Examples.For(body["schema"], schemas);
        }
        if (operation["requestBody"] is JsonObject requestBody)
        {
            requestBody.Remove("x-name");
            requestBody.Remove("x-position");
            if (requestBody["description"]?.GetValue<string>() is "")
            {
                requestBody.Remove("description");
            }
        }
    }

    /// <summary>
    /// GET /listings/{slug} and PATCH /listings/{id} are one path to a client (a template may have
    /// one meaning per position): they are documented as one path item whose parameter is named
    /// after both (idOrSlug); each operation still says which one it takes.
    /// </summary>
    private static JsonObject MergeEquivalentPaths(JsonObject paths)
    {
        var merged = new JsonObject();
        foreach (var group in paths.GroupBy(p => Placeholder().Replace(p.Key, "{}")))
        {
            var members = group.ToList();
            var methods = members.SelectMany(m => m.Value!.AsObject().Select(o => o.Key)).ToList();
            if (members.Count == 1 || methods.Distinct().Count() != methods.Count)
            {
                foreach (var (key, value) in members)
                {
                    merged[key] = value!.DeepClone();
                }
                continue;
            }
            var names = members.Select(m => Placeholder().Matches(m.Key).Select(x => x.Groups[1].Value).ToArray()).ToList();
            var combined = Enumerable.Range(0, names[0].Length)
                .Select(i => names.Select(n => n[i]).Distinct().ToList() is var distinct && distinct.Count == 1
                    ? distinct[0]
                    : distinct[0] + string.Concat(distinct.Skip(1).Select(n => "Or" + char.ToUpperInvariant(n[0]) + n[1..])))
                .ToArray();
            var position = 0;
            var template = Placeholder().Replace(members[0].Key, _ => "{" + combined[position++] + "}");
            var item = new JsonObject();
            for (var m = 0; m < members.Count; m++)
            {
                foreach (var (method, operation) in members[m].Value!.AsObject())
                {
                    var copy = operation!.DeepClone().AsObject();
                    foreach (var parameter in copy["parameters"]?.AsArray() ?? [])
                    {
                        var index = Array.IndexOf(names[m], parameter!["name"]!.GetValue<string>());
                        if (parameter["in"]?.GetValue<string>() == "path" && index >= 0 && combined[index] != names[m][index])
                        {
                            parameter["name"] = combined[index];
                            var description = parameter["description"]?.GetValue<string>();
                            parameter["description"] = $"This operation takes the {names[m][index]} here." + (description is null ? "" : " " + description);
                        }
                    }
                    item[method] = copy;
                }
            }
            merged[template] = item;
        }
        return merged;
    }

    /// <summary>
    /// NSwag writes a nullable reference as <c>nullable + oneOf [$ref]</c>; OpenAPI 3.0 reads
    /// <c>type + nullable + allOf [$ref]</c>. An integer's exclusive minimum becomes its inclusive one;
    /// an untyped (any JSON) schema drops <c>nullable</c>.
    /// </summary>
    private static void NormalizeSchemas(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                // "> 0" on an integer is "minimum: 1": one reading for every tool (JSON Schema drafts disagree on exclusiveMinimum)
                if (o["exclusiveMinimum"] is JsonValue exclusive && exclusive.GetValueKind() == JsonValueKind.True
                    && o["type"]?.GetValue<string>() == "integer" && o["minimum"] is JsonValue minimum)
                {
                    o["minimum"] = (long)Math.Floor(double.Parse(minimum.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)) + 1;
                    o.Remove("exclusiveMinimum");
                }
                if (o["oneOf"] is JsonArray { Count: 1 } one && one[0] is JsonObject single && single.ContainsKey("$ref"))
                {
                    o.Remove("oneOf");
                    o["allOf"] = new JsonArray(single.DeepClone());
                    if (o["nullable"]?.GetValue<bool>() == true)
                    {
                        o["type"] ??= "object";
                    }
                }
                // a JsonElement is any JSON value, null included: OpenAPI 3.0 allows nullable only beside a type
                if (o["nullable"]?.GetValue<bool>() == true && !o.ContainsKey("type") && !o.ContainsKey("allOf")
                    && !o.ContainsKey("oneOf") && !o.ContainsKey("anyOf") && !o.ContainsKey("$ref"))
                {
                    o.Remove("nullable");
                }
                foreach (var (_, child) in o.ToList())
                {
                    NormalizeSchemas(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    NormalizeSchemas(child);
                }
                break;
        }
    }

    /// <summary>
    /// A response field is always sent (nulls are written, never left out), so every field of a
    /// schema a response uses is required; a schema used only by requests keeps what the validator requires.
    /// </summary>
    private static void ResolveRequired(JsonObject doc, JsonObject schemas)
    {
        var inResponses = new HashSet<string>();
        foreach (var (_, item) in doc["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                foreach (var (_, answer) in operation!["responses"]!.AsObject())
                {
                    Collect(answer!["content"], schemas, inResponses);
                }
            }
        }
        foreach (var (name, node) in schemas)
        {
            var schema = node!.AsObject();
            var requestRequired = schema[SchemaContract.RequestRequired]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
            schema.Remove(SchemaContract.RequestRequired);
            if (schema["properties"] is not JsonObject properties)
            {
                continue;
            }
            IEnumerable<string> required = name == "Problem" ? ProblemRequired
                : inResponses.Contains(name) ? properties.Select(p => p.Key)
                : requestRequired.Where(properties.ContainsKey);
            var list = required.ToList();
            if (list.Count > 0)
            {
                schema["required"] = new JsonArray([.. list.Select(r => JsonValue.Create(r))]);
            }
            else
            {
                schema.Remove("required");
            }
        }
    }

    private static void RemoveUnusedSchemas(JsonObject doc, JsonObject schemas)
    {
        var used = new HashSet<string>();
        Collect(doc["paths"], schemas, used);
        foreach (var name in schemas.Select(s => s.Key).Where(n => !used.Contains(n)).ToList())
        {
            schemas.Remove(name);
        }
    }

    /// <summary>Every schema name <paramref name="node"/> refers to, directly or through other schemas.</summary>
    private static void Collect(JsonNode? node, JsonObject schemas, HashSet<string> found)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key == "$ref" && child?.GetValue<string>() is { } reference && reference.StartsWith(SchemaRef, StringComparison.Ordinal))
                    {
                        var name = reference[SchemaRef.Length..];
                        if (found.Add(name))
                        {
                            Collect(schemas[name], schemas, found);
                        }
                    }
                    else
                    {
                        Collect(child, schemas, found);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, schemas, found);
                }
                break;
        }
    }

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex Placeholder();
}
