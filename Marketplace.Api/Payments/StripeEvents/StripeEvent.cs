using System.Globalization;
using System.Text.Json;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>The envelope of a Stripe event (API version 2026-10-28.endive) and its <c>data.object</c>.</summary>
internal sealed record StripeEvent(
    string Id, string Type, bool Livemode, string? Account, string? ApiVersion, DateTime Created, JsonElement Object)
{
    public string? ObjectId => Str(Object, "id");

    /// <summary>The largest Unix time .NET and PostgreSQL both hold (9999-12-31T23:59:59Z).</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>Stripe ids (evt_, acct_, pi_, ch_, ...) fit the varchar(255) columns they are stored in.</summary>
    private const int MaxIdLength = 255;

    /// <summary>Fields holding a Stripe id (or, expanded, an object whose id is checked in turn): stored in varchar(255) columns.</summary>
    private static readonly HashSet<string> IdFields = new(StringComparer.Ordinal)
    {
        "id", "account", "payment_intent", "charge", "latest_charge", "customer", "destination", "balance_transaction",
        "transfer", "application_fee", "dispute", "on_behalf_of", "payment_method", "setup_intent", "invoice", "subscription",
    };

    /// <summary>Parses the event, or null when the body is not a Stripe event (or one whose values could not be stored).</summary>
    public static StripeEvent? Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || Str(root, "id") is not { Length: > 0 and <= MaxIdLength } id
            || Str(root, "type") is not { Length: > 0 and <= 100 } type
            || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object
            || Long(root, "created") is not { } created || created is <= 0 or > MaxUnixSeconds
            || !Storable(root))
        {
            return null;
        }
        return new StripeEvent(id, type, Bool(root, "livemode") ?? false, Str(root, "account"), Str(root, "api_version"),
            DateTimeOffset.FromUnixTimeSeconds(created).UtcDateTime, obj);
    }

    /// <summary>
    /// Every string of the payload can be stored: no NUL (PostgreSQL's text and jsonb refuse it) and
    /// no id longer than its column. A signed event failing this is malformed, never a 500.
    /// </summary>
    private static bool Storable(JsonElement e, string? name = null)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in e.EnumerateObject())
                {
                    if (property.Name.Contains('\0', StringComparison.Ordinal) || !Storable(property.Value, property.Name))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    if (!Storable(item))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.String:
                var value = e.GetString()!;
                return !value.Contains('\0', StringComparison.Ordinal) && !(name is not null && IdFields.Contains(name) && value.Length > MaxIdLength);
            default:
                return true;
        }
    }

    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long? Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static bool? Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>An id field that may come as a string or, when expanded, as an object with an id.</summary>
    public static string? Ref(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Object ? Str(v, "id") : null
            : null;

    /// <summary>metadata[name] parsed as a positive integer id.</summary>
    public static long? MetadataId(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("metadata", out var m) && Str(m, name) is { } s
        && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
}

/// <summary>What applying an event did, for its row in stripe_events (Recorded: written already, in the ledger's batch).</summary>
internal sealed record Applied(string Outcome, string? Detail = null, int? InvoiceId = null, long? TransactionId = null, int? ProviderId = null)
{
    public bool Recorded { get; init; }

    /// <summary>A lost dispute whose transfer reversal was recorded: performed after the commit (Payments/TransferReversals).</summary>
    public string? ReversalDisputeId { get; init; }
}

/// <summary>The outcomes of stripe_events.outcome.</summary>
internal static class Outcomes
{
    public const string Applied = "applied";
    public const string NoChange = "no_change";
    public const string Ignored = "ignored";
    public const string Unmatched = "unmatched";
    public const string Deferred = "deferred";
    public const string Stale = "stale";
    public const string AmountMismatch = "amount_mismatch";
    public const string CurrencyMismatch = "currency_mismatch";
    public const string DuplicatePayment = "duplicate_payment";
    public const string PaidAfterCancel = "paid_after_cancel";
    public const string AwaitingPayment = "awaiting_payment";
    public const string PaymentFailed = "payment_failed";
    public const string Dispute = "dispute";
    public const string RefundFailed = "refund_failed";
}
