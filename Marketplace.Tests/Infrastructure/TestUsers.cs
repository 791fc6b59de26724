using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Infrastructure;

/// <summary>A user made for one test, logged in.</summary>
public sealed record TestUser(int Id, string Email, string Password, string AccessToken, string RefreshToken, Guid SessionId);

/// <summary>
/// Builds users straight into the database with a live session, for tests of other slices that
/// need a caller but are not about registration (the auth tests go through the API instead).
/// </summary>
public static class TestUsers
{
    public const string Password = "correct-horse-battery-staple";
    private static readonly string PasswordHash = new PasswordHasher<object>().HashPassword(new object(), Password);

    public static async Task<TestUser> CreateAsync(this AppFixture app, bool verified = true, string? firstName = "Test", string? lastName = "User")
    {
        var email = $"user.{Guid.NewGuid():N}@example.test";
        using var db = app.Db();
        var now = DateTime.UtcNow;
        var id = await db.InsertWithInt32IdentityAsync(new UserRow
        {
            Email = email,
            EmailVerified = verified,
            PasswordHash = PasswordHash,
            FirstName = firstName,
            LastName = lastName,
            UserType = "buyer",
            Status = "active",
            CreatedAt = now,
            UpdatedAt = now,
        });
        var tokens = await app.Factory.Services.GetRequiredService<SessionTokens>().StartSessionAsync(db, id, "tests", "127.0.0.1", CancellationToken.None);
        return new TestUser(id, email, Password, tokens.AccessToken, tokens.RefreshToken, tokens.SessionId);
    }
}
