using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Migrations;

/// <summary>The migrated schema, read back from pg_catalog: what the seed asks for is really there.</summary>
public sealed class SchemaTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Every_table_of_the_seed_and_the_message_tables_exist()
    {
        var tables = await ListAsync("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'marketplace' AND c.relkind = 'r'");
        foreach (var table in new[] { "users", "providers", "service_listings", "transactions", "invoices", "reviews", "saved_listings", "message_threads", "messages", "audit_log" })
        {
            Assert.Contains(table, tables);
        }
    }

    [Theory]
    [InlineData("providers", "user_id", "users", "c")]
    [InlineData("service_listings", "provider_id", "providers", "c")]
    [InlineData("transactions", "client_id", "users", "r")]
    [InlineData("transactions", "provider_id", "providers", "r")]
    [InlineData("transactions", "listing_id", "service_listings", "n")]
    [InlineData("transactions", "invoice_id", "invoices", "n")]
    [InlineData("invoices", "transaction_id", "transactions", "r")]
    [InlineData("invoices", "provider_id", "providers", "r")]
    [InlineData("invoices", "client_id", "users", "r")]
    [InlineData("saved_listings", "user_id", "users", "c")]
    [InlineData("saved_listings", "listing_id", "service_listings", "c")]
    [InlineData("reviews", "transaction_id", "transactions", "r")]
    [InlineData("messages", "thread_id", "message_threads", "c")]
    public async Task Foreign_keys_follow_the_seeds_delete_rules(string table, string column, string referenced, string deleteRule)
    {
        // confdeltype: c = cascade, r = restrict, n = set null, a = no action
        var rules = await ListAsync($"""
            SELECT c.confdeltype::text FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
              JOIN pg_class r ON r.oid = c.confrelid
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND n.nspname = 'marketplace' AND t.relname = '{table}' AND a.attname = '{column}' AND r.relname = '{referenced}'
            """);
        Assert.Equal([deleteRule], rules);
    }

    [Fact]
    public async Task Tenant_ids_are_plain_columns_without_a_foreign_key()
    {
        var fks = await ListAsync("""
            SELECT t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.contype = 'f' AND a.attname = 'tenant_id'
            """);
        Assert.Empty(fks);
    }

    [Theory]
    [InlineData("users", "user_type", "buyer", "nobody")]
    [InlineData("users", "status", "active", "frozen")]
    [InlineData("providers", "provider_type", "breeder", "shop")]
    [InlineData("providers", "payment_mode", "stripe_connect", "paypal")]
    [InlineData("providers", "status", "pending", "gone")]
    [InlineData("service_listings", "category", "stud_service", "cats")]
    [InlineData("service_listings", "price_type", "contact", "free")]
    [InlineData("service_listings", "status", "draft", "live")]
    [InlineData("transactions", "status", "in_progress", "done")]
    [InlineData("transactions", "cancelled_by", "admin", "robot")]
    [InlineData("invoices", "status", "viewed", "lost")]
    [InlineData("invoices", "payment_method", "offline", "crypto")]
    [InlineData("invoices", "manual_payment_method", "bank_transfer", "iou")]
    [InlineData("reviews", "status", "flagged", "hidden")]
    public async Task Enumerated_columns_have_a_check_constraint_accepting_the_seeds_values_only(string table, string column, string allowed, string rejected)
    {
        var checks = await ListAsync($"""
            SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE c.contype = 'c' AND n.nspname = 'marketplace' AND t.relname = '{table}'
               AND pg_get_constraintdef(c.oid) LIKE '%{column}%'
            """);
        var check = Assert.Single(checks, c => c.Contains($"'{allowed}'", StringComparison.Ordinal));
        Assert.DoesNotContain($"'{rejected}'", check, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rating_outside_one_to_five_is_refused_by_the_database()
    {
        var checks = await ListAsync("""
            SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
             WHERE c.contype = 'c' AND t.relname = 'reviews' AND pg_get_constraintdef(c.oid) LIKE '%rating%'
            """);
        Assert.Contains(checks, c => c.Contains(">= 1", StringComparison.Ordinal) && c.Contains("<= 5", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("users", "(email)")]
    [InlineData("users", "(tenant_id)")]
    [InlineData("users", "(stripe_customer_id)")]
    [InlineData("users", "(deleted_at)")]
    [InlineData("users", "(status)")]
    [InlineData("users", "UNIQUE INDEX", "lower((email)")]
    [InlineData("providers", "UNIQUE INDEX", "(user_id)")]
    [InlineData("providers", "(status, activated_at)")]
    [InlineData("providers", "(city, state, status)")]
    [InlineData("service_listings", "UNIQUE INDEX", "(slug)")]
    [InlineData("service_listings", "(provider_id, status, created_at DESC, id DESC)")] // the seed's (provider_id, status), extended for own listings' order (M202611273001)
    [InlineData("service_listings", "(category, status, published_at DESC)")]
    [InlineData("service_listings", "(state, city, category, status)")]
    [InlineData("service_listings", "USING gin (search_vector)")]
    [InlineData("service_listings", "WHERE", "deleted_at IS NULL")]
    [InlineData("transactions", "(client_id, status, created_at DESC)")]
    [InlineData("transactions", "(provider_id, status, created_at DESC)")]
    [InlineData("transactions", "(listing_id, status)")]
    [InlineData("transactions", "(status, paid_at)")]
    [InlineData("invoices", "UNIQUE INDEX", "(invoice_number)")]
    [InlineData("invoices", "(provider_id, status, created_at DESC)")]
    [InlineData("invoices", "(client_id, status, created_at DESC)")]
    [InlineData("invoices", "(status, due_at)")]
    [InlineData("reviews", "UNIQUE INDEX", "(transaction_id)")]
    [InlineData("reviews", "(provider_id, status, created_at DESC)")]
    [InlineData("saved_listings", "UNIQUE INDEX", "(user_id, listing_id)")]
    [InlineData("saved_listings", "(user_id, saved_at DESC)")]
    public async Task The_seeds_indexes_exist(string table, params string[] fragments)
    {
        var indexes = await ListAsync($"SELECT indexdef FROM pg_indexes WHERE schemaname = 'marketplace' AND tablename = '{table}'");
        Assert.True(indexes.Any(i => fragments.All(f => i.Contains(f, StringComparison.Ordinal))),
            $"no index on {table} with {string.Join(" and ", fragments)}; have:\n{string.Join('\n', indexes)}");
    }

    [Fact]
    public async Task Money_columns_are_bigint_and_times_are_timestamptz()
    {
        var wrongMoney = await ListAsync("""
            SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'marketplace' AND column_name LIKE '%\_cents' AND data_type <> 'bigint'
            """);
        Assert.Empty(wrongMoney);
        var wrongTimes = await ListAsync("""
            SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'marketplace' AND (column_name LIKE '%\_at' OR column_name LIKE '%\_expires') AND data_type <> 'timestamp with time zone'
            """);
        Assert.Empty(wrongTimes);
    }

    [Fact]
    public async Task Email_is_unique_whatever_its_case()
    {
        await using var connection = await OpenAsync();
        var email = $"Case.{Guid.NewGuid():N}@Example.io";
        await ExecuteAsync(connection, $"INSERT INTO marketplace.users (email, password_hash) VALUES ('{email}', 'x')");
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(connection, $"INSERT INTO marketplace.users (email, password_hash) VALUES ('{email.ToLowerInvariant()}', 'x')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    [Fact]
    public async Task Updated_at_is_kept_current_by_the_database()
    {
        await using var connection = await OpenAsync();
        var email = $"touch.{Guid.NewGuid():N}@example.io";
        await ExecuteAsync(connection, $"INSERT INTO marketplace.users (email, password_hash, updated_at) VALUES ('{email}', 'x', now() - interval '1 day')");
        await ExecuteAsync(connection, $"UPDATE marketplace.users SET first_name = 'Ann' WHERE email = '{email}'");
        var age = await ListAsync($"SELECT (now() - updated_at < interval '1 minute')::text FROM marketplace.users WHERE email = '{email}'");
        Assert.Equal(["true"], age);
    }

    [Fact]
    public async Task Listings_have_a_generated_full_text_vector_over_title_description_and_keywords()
    {
        var generated = await ListAsync("""
            SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
              JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              JOIN pg_class t ON t.oid = a.attrelid
             WHERE t.relname = 'service_listings' AND a.attname = 'search_vector' AND a.attgenerated = 's'
            """);
        var expression = Assert.Single(generated);
        foreach (var column in new[] { "title", "description", "keywords" })
        {
            Assert.Contains(column, expression, StringComparison.Ordinal);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
