using System.Text.Json;

namespace Marketplace.Api.Features.Auth.Export;

/// <summary>Everything the platform holds about the caller (GDPR art. 15/20), rows as stored with snake_case columns, secrets left out.</summary>
/// <param name="ExportedAt">When the document was made.</param>
/// <param name="Data">profile, provider (or null), listings, bookingsAsClient, bookingsAsProvider, invoices, messageThreads, messages, reviewsWritten, reviewsReceived, savedListings, sessions, apiKeys.</param>
public sealed record AccountExport(DateTime ExportedAt, JsonElement Data);
