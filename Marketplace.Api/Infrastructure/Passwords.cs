using Marketplace.Api.Data;
using Microsoft.AspNetCore.Identity;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Password hashing with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2,
/// format versioned inside the hash, so old hashes are recognised and upgraded on login).
/// </summary>
public sealed class Passwords(IPasswordHasher<UserRow> hasher)
{
    private static readonly UserRow Nobody = new();

    // A real hash of a random password, checked when the e-mail is unknown so that a login costs
    // the same whether or not the account exists (no enumeration through timing).
    private readonly string dummyHash = hasher.HashPassword(Nobody, Secrets.NewToken());

    public string Hash(string password) => hasher.HashPassword(Nobody, password);

    public PasswordVerificationResult Verify(string hash, string password)
    {
        try
        {
            return hasher.VerifyHashedPassword(Nobody, hash, password);
        }
        catch (FormatException)
        {
            // a malformed stored hash can never match
            return PasswordVerificationResult.Failed;
        }
    }

    /// <summary>Spends the time of a real check, for an unknown account.</summary>
    public void VerifyNobody(string password) => _ = hasher.VerifyHashedPassword(Nobody, dummyHash, password);
}
