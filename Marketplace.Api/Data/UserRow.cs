using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("users", Schema = "marketplace")]
public sealed class UserRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("email"), NotNull] public string Email { get; set; } = "";
    [Column("email_verified")] public bool EmailVerified { get; set; }
    [Column("password_hash"), NotNull] public string PasswordHash { get; set; } = "";
    [Column("first_name")] public string? FirstName { get; set; }
    [Column("last_name")] public string? LastName { get; set; }
    [Column("phone")] public string? Phone { get; set; }
    [Column("address_line1")] public string? AddressLine1 { get; set; }
    [Column("address_line2")] public string? AddressLine2 { get; set; }
    [Column("city")] public string? City { get; set; }
    [Column("state")] public string? State { get; set; }
    [Column("zip")] public string? Zip { get; set; }
    [Column("country")] public string? Country { get; set; } = "US";
    [Column("user_type"), NotNull] public string UserType { get; set; } = "buyer";

    // External reference to the breeder system's tenant; no foreign key.
    [Column("tenant_id")] public int? TenantId { get; set; }
    [Column("tenant_verified")] public bool TenantVerified { get; set; }
    [Column("stripe_customer_id")] public string? StripeCustomerId { get; set; }
    [Column("status"), NotNull] public string Status { get; set; } = "active";
    [Column("suspended_at", DataType = DataType.DateTimeOffset)] public DateTime? SuspendedAt { get; set; }
    [Column("suspended_reason")] public string? SuspendedReason { get; set; }

    // SHA-256 hex digests, never the tokens themselves.
    [Column("email_verify_token")] public string? EmailVerifyToken { get; set; }
    [Column("email_verify_expires", DataType = DataType.DateTimeOffset)] public DateTime? EmailVerifyExpires { get; set; }
    [Column("password_reset_token")] public string? PasswordResetToken { get; set; }
    [Column("password_reset_expires", DataType = DataType.DateTimeOffset)] public DateTime? PasswordResetExpires { get; set; }

    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
    [Column("last_login_at", DataType = DataType.DateTimeOffset)] public DateTime? LastLoginAt { get; set; }
    [Column("deleted_at", DataType = DataType.DateTimeOffset)] public DateTime? DeletedAt { get; set; }

    // Login lock-out (M202611242000).
    [Column("failed_login_count"), NotNull] public int FailedLoginCount { get; set; }
    [Column("locked_until", DataType = DataType.DateTimeOffset)] public DateTime? LockedUntil { get; set; }

    // Operators (M202611268000): granted and revoked only from the CLI.
    [Column("is_admin"), NotNull] public bool IsAdmin { get; set; }
}
