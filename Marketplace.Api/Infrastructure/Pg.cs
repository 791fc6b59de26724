using Marketplace.Api.Data;
using Npgsql;
using NpgsqlTypes;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Plain SQL on a <see cref="Db"/>'s connection (and inside its transaction), with positional
/// parameters (<c>$1</c>, <c>$2</c>, ...), for the statements on the Stripe webhook's hot path: the
/// webhook's own, the ledger's, the audit and outbox rows they write, and the outbox dispatcher's.
/// Npgsql sends the text as it is, with no parameter names to find and rewrite; each statement's
/// text is constant, so auto-prepare (<c>Max Auto Prepare</c>) keeps it prepared per connection;
/// and a <see cref="PgBatch"/> sends several statements in one round trip
/// (benchmarks/WebhookThroughput measured the difference). Queries a slice composes go through linq2db.
/// </summary>
public static class Pg
{
    /// <summary>A parameter typed by <typeparamref name="T"/>, so a null still has its type (a string is text, a DateTime of kind Utc timestamptz).</summary>
    public static NpgsqlParameter P<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    /// <summary>A linq2db parameter as Npgsql's, for SQL a slice builds with <c>:name</c> parameters and runs here.</summary>
    public static NpgsqlParameter From(LinqToDB.Data.DataParameter p) => new(p.Name, p.Value ?? DBNull.Value)
    {
        NpgsqlDbType = p.DataType switch
        {
            LinqToDB.DataType.Int64 => NpgsqlDbType.Bigint,
            LinqToDB.DataType.Int32 => NpgsqlDbType.Integer,
            LinqToDB.DataType.Single => NpgsqlDbType.Real,
            LinqToDB.DataType.DateTimeOffset => NpgsqlDbType.TimestampTz,
            LinqToDB.DataType.NVarChar or LinqToDB.DataType.VarChar or LinqToDB.DataType.Text => NpgsqlDbType.Text,
            var other => throw new NotSupportedException($"parameter {p.Name}: DataType.{other} has no mapping here"),
        },
    };

    public static NpgsqlParameter Jsonb(string? json) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = json is null ? DBNull.Value : json };

    public static async Task<NpgsqlConnection> ConnectionAsync(Db db, CancellationToken ct) =>
        (NpgsqlConnection)await db.OpenDbConnectionAsync(ct);

    public static Task<int> ExecuteAsync(Db db, PgStatement statement, CancellationToken ct) =>
        ExecuteAsync(db, statement.Sql, ct, statement.Parameters);

    public static async Task<int> ExecuteAsync(Db db, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = await CommandAsync(db, sql, parameters, ct);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The rows of a query, each read by <paramref name="read"/> (by ordinal).</summary>
    public static async Task<List<T>> QueryAsync<T>(Db db, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params NpgsqlParameter[] parameters) =>
        await QueryAsync(await ConnectionAsync(db, ct), sql, read, ct, parameters);

    /// <summary>The rows of a query on an open connection (the Db's, or <see cref="ReadDb.ReadAsync{T}"/>'s), each read by <paramref name="read"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private static async Task<NpgsqlCommand> CommandAsync(Db db, string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        var command = new NpgsqlCommand(sql, await ConnectionAsync(db, ct));
        command.Parameters.AddRange(parameters);
        return command;
    }

    /// <summary>One INSERT of every row: <paramref name="insert"/> followed by ($1, ..., $k), ($k+1, ...), ...</summary>
    public static PgStatement InsertRows<T>(string insert, IEnumerable<T> rows, Func<T, NpgsqlParameter[]> values)
    {
        var sql = new System.Text.StringBuilder(insert).Append(" VALUES ");
        var parameters = new List<NpgsqlParameter>();
        foreach (var row in rows)
        {
            var these = values(row);
            sql.Append(parameters.Count == 0 ? "(" : ", (");
            for (var i = 0; i < these.Length; i++)
            {
                sql.Append(i == 0 ? "$" : ", $").Append((parameters.Count + i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            sql.Append(')');
            parameters.AddRange(these);
        }
        return new PgStatement(sql.ToString(), [.. parameters]);
    }

    public static T? Get<T>(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? default : reader.GetFieldValue<T>(ordinal);
}

/// <summary>A statement with positional parameters, for a <see cref="PgBatch"/>.</summary>
public sealed record PgStatement(string Sql, params NpgsqlParameter[] Parameters);

/// <summary>Statements sent in one round trip; PostgreSQL runs them in order, inside the connection's transaction.</summary>
public sealed class PgBatch
{
    private readonly List<PgStatement> statements = [];

    public PgBatch Add(PgStatement statement)
    {
        statements.Add(statement);
        return this;
    }

    public PgBatch Add(string sql, params NpgsqlParameter[] parameters) => Add(new PgStatement(sql, parameters));

    /// <summary>Runs the statements; returns the rows each one affected, in order.</summary>
    public async Task<int[]> ExecuteAsync(Db db, CancellationToken ct)
    {
        if (statements.Count == 0)
        {
            return [];
        }
        await using var batch = new NpgsqlBatch(await Pg.ConnectionAsync(db, ct));
        foreach (var statement in statements)
        {
            var command = new NpgsqlBatchCommand(statement.Sql);
            command.Parameters.AddRange(statement.Parameters);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        var affected = new int[statements.Count];
        for (var i = 0; i < affected.Length; i++)
        {
            affected[i] = batch.BatchCommands[i].RecordsAffected;
        }
        return affected;
    }
}
