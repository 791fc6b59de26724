namespace Marketplace.Api.Features.Auth.Me;

/// <summary>The caller's own account: profile, shipping address and flags; never hashes or tokens.</summary>
public sealed record Response(
    int Id,
    string Email,
    bool EmailVerified,
    string? FirstName,
    string? LastName,
    string? Phone,
    Address Address,
    string UserType,
    bool IsProvider,
    int? ProviderId,
    int? TenantId,
    bool TenantVerified,
    string Status,
    DateTime CreatedAt,
    DateTime? LastLoginAt);

public sealed record Address(
    string? AddressLine1,
    string? AddressLine2,
    string? City,
    string? State,
    string? Zip,
    string? Country);
