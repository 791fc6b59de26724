using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin;

/// <summary>Operators for the admin tests: a logged-in user with the stored admin flag (the CLI's grant, done directly).</summary>
public static class AdminApi
{
    public const string Base = "/api/v1/marketplace/admin";

    public static async Task<TestUser> CreateAdminAsync(this AppFixture app)
    {
        var admin = await app.CreateAsync(firstName: "Ada", lastName: "Operator");
        using var db = app.Db();
        await db.Users.Where(u => u.Id == admin.Id).Set(u => u.IsAdmin, true).UpdateAsync();
        return admin;
    }

    /// <summary>The audit rows of a record as "action:from->to by role#actor".</summary>
    public static async Task<List<string>> AdminAuditAsync(this AppFixture app, string entityType, long entityId)
    {
        using var db = app.Db();
        return await db.AuditLog.Where(a => a.EntityType == entityType && a.EntityId == entityId && a.ActorRole == "admin")
            .OrderBy(a => a.Id).Select(a => a.Action + ":" + a.FromStatus + "->" + a.ToStatus + " by admin#" + a.ActorUserId).ToListAsync();
    }

    /// <summary>The types of the domain events of a resource, oldest first.</summary>
    public static List<string> EventTypesOf(this AppFixture app, string resourceType, object resourceId)
    {
        using var db = app.Db();
        return db.Query<string>(
            "SELECT type FROM marketplace.domain_events WHERE resource_type = @rt AND resource_id = @rid ORDER BY sequence",
            new LinqToDB.Data.DataParameter("rt", resourceType), new LinqToDB.Data.DataParameter("rid", resourceId.ToString())).ToList();
    }
}
