using Npgsql;
using NpgsqlTypes;

namespace Marketplace.Migrations;

/// <summary>
/// <c>admin grant|revoke|list</c>: the only way to make or unmake an operator (DESIGN round 2: admins
/// are users with a stored flag granted from the CLI, never through the API). Each grant or revoke
/// writes its audit row (actor: the system, details naming the CLI and the OS user) and its domain
/// event in the same transaction as the flag. Exit codes as the rest of the CLI: 0 done (also when
/// nothing had to change), 1 bad usage or no such user, 2 the database could not be reached or failed.
/// </summary>
internal static class AdminCommands
{
    public const string Usage = """
          admin list             list the operators (users with the admin flag): id, e-mail, name
          admin grant <email>    make the user with this e-mail an admin (may call /admin routes)
          admin revoke <email>   take the admin flag away again; their next request is no longer an admin's
        """;

    public static int Run(string[] args, string connection, TextWriter stdout, TextWriter stderr)
    {
        var sub = args.Length > 0 ? args[0] : null;
        if (sub is not ("list" or "grant" or "revoke"))
        {
            return Fail(stderr, 1, sub is null ? "admin needs a command: list, grant <email> or revoke <email>" : $"unknown admin command '{sub}' (expected list, grant or revoke)");
        }
        if (sub == "list" ? args.Length != 1 : args.Length != 2)
        {
            return Fail(stderr, 1, sub == "list" ? "admin list takes no arguments" : $"admin {sub} needs exactly one e-mail address");
        }

        NpgsqlConnection db;
        try
        {
            db = new NpgsqlConnection(connection);
            db.Open();
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            return Fail(stderr, 2, $"cannot reach the database: {OneLine(ex.Message)}");
        }

        try
        {
            using (db)
            {
                return sub == "list" ? List(db, stdout) : Set(db, args[1].Trim(), sub == "grant", stdout, stderr);
            }
        }
        catch (NpgsqlException ex)
        {
            return Fail(stderr, 2, $"database error: {OneLine(ex.Message)}");
        }
    }

    private static int List(NpgsqlConnection db, TextWriter stdout)
    {
        using var cmd = new NpgsqlCommand("""
            SELECT id, email, trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), status
              FROM marketplace.users WHERE is_admin AND deleted_at IS NULL ORDER BY id
            """, db);
        using var reader = cmd.ExecuteReader();
        var count = 0;
        while (reader.Read())
        {
            count++;
            var status = reader.GetString(3) == "active" ? "" : $"  ({reader.GetString(3)})";
            stdout.WriteLine($"{reader.GetInt32(0)}  {reader.GetString(1)}  {reader.GetString(2)}{status}");
        }
        if (count == 0)
        {
            stdout.WriteLine("no admins");
        }
        return 0;
    }

    private static int Set(NpgsqlConnection db, string email, bool admin, TextWriter stdout, TextWriter stderr)
    {
        using var tx = db.BeginTransaction();
        using var find = new NpgsqlCommand(
            "SELECT id, email, is_admin FROM marketplace.users WHERE lower(email) = lower($1) AND deleted_at IS NULL FOR NO KEY UPDATE", db, tx);
        find.Parameters.Add(new NpgsqlParameter { Value = email });
        int id;
        string stored;
        bool was;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read())
            {
                return Fail(stderr, 1, $"no user with e-mail '{email}'");
            }
            (id, stored, was) = (reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2));
        }
        if (was == admin)
        {
            stdout.WriteLine(admin ? $"{stored} (id {id}) is already an admin" : $"{stored} (id {id}) is not an admin");
            return 0;
        }

        var details = System.Text.Json.JsonSerializer.Serialize(new { via = "cli", osUser = Environment.UserName });
        var data = System.Text.Json.JsonSerializer.Serialize(new { id, email = stored, isAdmin = admin });
        using var write = new NpgsqlCommand("""
            UPDATE marketplace.users SET is_admin = @admin WHERE id = @id;
            INSERT INTO marketplace.audit_log (entity_type, entity_id, action, from_status, to_status, actor_user_id, actor_role, details, created_at)
                 VALUES ('user', @id, @action, NULL, NULL, NULL, 'system', @details, now());
            INSERT INTO marketplace.domain_events (type, occurred_at, resource_type, resource_id, data, party_user_ids)
                 VALUES (@type, now(), 'user', @id::text, @data, ARRAY[@id]);
            """, db, tx);
        write.Parameters.AddWithValue("id", NpgsqlDbType.Integer, id);
        write.Parameters.AddWithValue("admin", admin);
        write.Parameters.AddWithValue("action", admin ? "admin_granted" : "admin_revoked");
        write.Parameters.AddWithValue("details", NpgsqlDbType.Jsonb, details);
        write.Parameters.AddWithValue("type", admin ? "user.admin_granted" : "user.admin_revoked");
        write.Parameters.AddWithValue("data", NpgsqlDbType.Jsonb, data);
        write.ExecuteNonQuery();
        tx.Commit();
        stdout.WriteLine(admin ? $"{stored} (id {id}) is now an admin" : $"{stored} (id {id}) is no longer an admin");
        return 0;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static int Fail(TextWriter stderr, int code, string message)
    {
        stderr.WriteLine($"error: {message}");
        return code;
    }
}
