using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.ApiKeys.Create;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    /// <summary>Live keys per user; more is 409 too_many_api_keys.</summary>
    public const int MaxKeys = 25;

    public override void Configure()
    {
        Post("api-keys");
        Description(d => d.ClearDefaultProduces(200).Produces<Response>(201, "application/json")
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Create an API key";
            s.Description = "A key for server-to-server calls acting as the caller: Authorization: Bearer mk_... works on every endpoint "
                + "the caller may call; a read key only on GET (403 insufficient_scope otherwise). The key is in this answer only "
                + "(only its SHA-256 is stored). At most 25 live keys (409 too_many_api_keys). A key stops working when it is deleted "
                + "or its user is suspended or deleted.";
            s.ExampleRequest = new Request { Name = "Inventory sync", Scope = "read" };
            s.ResponseExamples[201] = new Response(7, "Inventory sync", "read", "mk_Xy3k9Q", new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc), null, "mk_Xy3k9Q...");
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var key = ApiKeyAuthentication.Prefix + Secrets.NewToken();
        var row = new ApiKeyRow
        {
            UserId = me.Id,
            Name = req.Name!.Trim(),
            Scope = req.Scope!,
            KeyHash = Secrets.Hash(key),
            KeyPrefix = key[..9],
            CreatedAt = Now(),
        };
        await using (var tx = await db.BeginTransactionAsync(ct))
        {
            // the user's row serialises concurrent creations, so the limit holds
            await Data.LockUserAsync(db, me.Id, ct);
            if (await db.GetTable<ApiKeyRow>().CountAsync(k => k.UserId == me.Id && k.RevokedAt == null, ct) >= MaxKeys)
            {
                throw ApiProblem.Conflict("too_many_api_keys", $"At most {MaxKeys} API keys; delete one you no longer use.");
            }
            row.Id = await db.InsertWithInt32IdentityAsync(row, token: ct);
            await tx.CommitAsync(ct);
        }
        await Send.ResponseAsync(new Response(row.Id, row.Name, row.Scope, row.KeyPrefix, row.CreatedAt, null, key), StatusCodes.Status201Created, ct);
    }

    // the database keeps microseconds: answer what is stored
    private DateTime Now()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }
}
