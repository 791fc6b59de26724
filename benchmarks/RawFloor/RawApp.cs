using System.Text.Json;
using System.Text.Json.Serialization;
using Marketplace.Api.Features.Listings;
using Marketplace.Api.Features.Listings.Browse;
using Marketplace.Api.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace RawFloor;

/// <summary>
/// The floor: a minimal ASP.NET Core app on an <see cref="NpgsqlDataSource"/> serving the same SQL
/// and the same JSON as the API's GET /listings and GET /listings/{slug}. No validation, no
/// authentication, no middleware: what is left is what any .NET service on Npgsql pays. The browse
/// SQL is the API's own (<see cref="Data.BuildSql"/>), so both run the very same statement text; the
/// cursor codec is the API's too (same signing key), so page 50's cursor opens both.
/// </summary>
internal static class RawApp
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RawJson.Default));
        var app = builder.Build();

        var connectionString = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace")) { Timezone = "UTC" }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var cursors = new Cursors(System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("Marketplace__Auth__SigningKey")!));
        // the API counts views in memory, off the request's SQL (ListingViews): the floor runs the SELECT alone unless asked
        var countViews = Environment.GetEnvironmentVariable("RAWFLOOR_COUNT_VIEWS") == "true";

        app.MapGet("/health/ready", async () =>
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
            return Results.Ok();
        });

        app.MapGet("/api/v1/marketplace/listings", async (HttpContext http) =>
        {
            var q = http.Request.Query;
            var request = new Request
            {
                Category = q["category"], Subcategory = q["subcategory"], State = q["state"], City = q["city"], Zip = q["zip"],
                MinPriceCents = q["minPriceCents"] is [{ } min] ? long.Parse(min) : null,
                MaxPriceCents = q["maxPriceCents"] is [{ } max] ? long.Parse(max) : null,
                PriceType = q["priceType"], Q = q["q"], Sort = q["sort"],
                Limit = q["limit"] is [{ } limit] ? int.Parse(limit) : null, Cursor = q["cursor"],
            };
            var sort = request.Sort ?? Sorts.Newest;
            var scope = Data.ScopeOf(request);
            var after = cursors.Decode<BrowseCursor>(request.Cursor, scope);
            var pageSize = request.Limit ?? Paging.DefaultLimit;
            var sql = Data.BuildSql(request, after, pageSize + 1);
            await using var command = dataSource.CreateCommand(sql.Sql);
            foreach (var p in sql.Parameters)
            {
                command.Parameters.Add(new NpgsqlParameter(p.Name, p.Value ?? DBNull.Value) { NpgsqlDbType = TypeOf(p.DataType) });
            }
            var items = new List<Item>(pageSize + 1);
            var ranks = new List<float>(pageSize + 1);
            await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
            {
                while (await reader.ReadAsync(http.RequestAborted))
                {
                    items.Add(new Item(
                        reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Text(reader, 4),
                        reader.IsDBNull(5) ? null : reader.GetInt64(5), Text(reader, 6), Text(reader, 7), Text(reader, 8),
                        Text(reader, 9), Text(reader, 10), Text(reader, 11), Text(reader, 12), Text(reader, 13),
                        reader.GetInt32(14), reader.GetDateTime(15),
                        new ProviderSummary(reader.GetInt32(16), reader.GetString(17), reader.GetDecimal(18), reader.GetInt32(19), reader.GetBoolean(20))));
                    ranks.Add(reader.GetFloat(21));
                }
            }
            string? next = null;
            if (items.Count > pageSize)
            {
                items.RemoveAt(pageSize);
                next = cursors.Encode(Data.CursorAfter(sort, new Data.Row(items[^1], ranks[pageSize - 1])), scope);
            }
            return Results.Ok(new CursorPage<Item>(items, next));
        });

        app.MapGet("/api/v1/marketplace/listings/{slug}", async (string slug, HttpContext http) =>
        {
            ListingDetails? found = null;
            await using (var command = dataSource.CreateCommand(BySlugSql))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slug });
                await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
                if (await reader.ReadAsync(http.RequestAborted) && reader.GetString(22) == "active" && reader.GetString(33) == "active" && !reader.GetBoolean(34))
                {
                    found = new ListingDetails(
                        reader.GetInt32(0), reader.GetString(2), reader.GetString(3), Text(reader, 4), reader.GetString(5), Text(reader, 6),
                        reader.IsDBNull(7) ? null : reader.GetInt64(7), Text(reader, 8), Text(reader, 9),
                        ListingRules.ImagesFromJson(Text(reader, 10)), Text(reader, 11), Text(reader, 12), Text(reader, 13), Text(reader, 14),
                        Text(reader, 15), Text(reader, 16), Text(reader, 17), Text(reader, 18), reader.GetInt32(19), reader.GetInt32(20),
                        reader.GetInt32(21), reader.GetString(22), Time(reader, 25), Time(reader, 26), reader.GetDateTime(27), reader.GetDateTime(28),
                        reader.GetBoolean(23), Text(reader, 24),
                        new ProviderSummary(reader.GetInt32(1), reader.GetString(29), reader.GetDecimal(30), reader.GetInt32(31), reader.GetBoolean(32)));
                }
            }
            if (found is null)
            {
                return Results.NotFound();
            }
            if (countViews)
            {
                await using var update = dataSource.CreateCommand("UPDATE marketplace.service_listings SET view_count = view_count + 1 WHERE id = $1");
                update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = found.Id });
                await update.ExecuteNonQueryAsync(http.RequestAborted);
                found = found with { ViewCount = found.ViewCount + 1 };
            }
            return Results.Ok(found);
        });

        await app.RunAsync();
    }

    /// <summary>The API's GetBySlug statement itself (Features/Listings/GetBySlug/Data.cs).</summary>
    private const string BySlugSql = Marketplace.Api.Features.Listings.GetBySlug.Data.BySlugSql;


    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static DateTime? Time(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDateTime(ordinal);

    private static NpgsqlDbType TypeOf(LinqToDB.DataType type) => type switch
    {
        LinqToDB.DataType.Int64 => NpgsqlDbType.Bigint,
        LinqToDB.DataType.Int32 => NpgsqlDbType.Integer,
        LinqToDB.DataType.Single => NpgsqlDbType.Real,
        LinqToDB.DataType.DateTimeOffset => NpgsqlDbType.TimestampTz,
        _ => NpgsqlDbType.Text,
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CursorPage<Item>))]
[JsonSerializable(typeof(ListingDetails))]
internal sealed partial class RawJson : JsonSerializerContext;
