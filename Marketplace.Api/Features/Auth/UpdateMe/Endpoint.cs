using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.UpdateMe;

public sealed class Endpoint(Db db) : Endpoint<Request, UserProfile>
{
    public override void Configure()
    {
        Patch("auth/me");
        Description(d => d
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Update my profile";
            s.Description = "Changes names, phone and shipping address with JSON Merge Patch semantics: fields left out stay as they "
                + "are, fields sent as null are cleared (\"address\": null clears the whole address). Answers the updated profile. "
                + "The e-mail address and the password have their own flows.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        await Data.UpdateAsync(db, me.Id, req, ct);
        await Send.OkAsync(await UserProfiles.GetAsync(db, me.Id, ct) ?? throw ApiProblem.NotFound("user"), ct);
    }
}
