using Marketplace.Api.Infrastructure;

namespace Marketplace.Tests.Platform;

public sealed class PagingTests
{
    private sealed record Key(DateTime PublishedAt, int Id);

    private static readonly Cursors Cursors = new("test-signing-key-of-at-least-32-bytes-long!!"u8.ToArray());
    private static readonly CursorScope Transactions = new("transactions", new { Id = 7, Role = (string?)null, Status = "paid" });
    private static readonly Key Position = new(new DateTime(2026, 11, 24, 21, 0, 0, DateTimeKind.Utc), 42);

    [Fact]
    public void A_cursor_round_trips_the_sort_key_in_its_own_scope()
    {
        Assert.Equal(Position, Cursors.Decode<Key>(Cursors.Encode(Position, Transactions), Transactions));
    }

    [Fact]
    public void A_cursor_of_another_list_is_a_400_invalid_cursor()
    {
        var cursor = Cursors.Encode(Position, new CursorScope("listings.browse", new { Sort = "newest" }));
        AssertInvalid(() => Cursors.Decode<Key>(cursor, Transactions));
    }

    [Fact]
    public void A_cursor_of_the_same_list_with_other_filters_is_a_400_invalid_cursor()
    {
        var cursor = Cursors.Encode(Position, Transactions);
        AssertInvalid(() => Cursors.Decode<Key>(cursor, new CursorScope("transactions", new { Id = 7, Role = (string?)null, Status = "void" })));
        AssertInvalid(() => Cursors.Decode<Key>(cursor, new CursorScope("transactions", new { Id = 8, Role = (string?)null, Status = "paid" })));
    }

    [Fact]
    public void A_cursor_made_with_another_signing_key_is_a_400_invalid_cursor()
    {
        var other = new Cursors("another-signing-key-of-at-least-32-bytes!!"u8.ToArray());
        AssertInvalid(() => Cursors.Decode<Key>(other.Encode(Position, Transactions), Transactions));
    }

    [Fact]
    public void An_edited_cursor_is_a_400_invalid_cursor()
    {
        var cursor = Cursors.Encode(Position, Transactions);
        var payload = cursor[..cursor.IndexOf('.', StringComparison.Ordinal)];
        var forged = System.Buffers.Text.Base64Url.EncodeToString(
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Position with { Id = 41 }, System.Text.Json.JsonSerializerOptions.Web));
        AssertInvalid(() => Cursors.Decode<Key>(forged + cursor[payload.Length..], Transactions));
        AssertInvalid(() => Cursors.Decode<Key>(cursor[..^2] + (cursor[^2] == 'A' ? "BA" : "AA"), Transactions));
        AssertInvalid(() => Cursors.Decode<Key>(payload, Transactions));
    }

    [Theory]
    [InlineData("not-base64-%%%")]
    [InlineData("bnVsbA")] // "null", unsigned
    [InlineData("eyJ4Ijo")] // truncated JSON
    [InlineData(".")]
    [InlineData("abc.%%%")]
    public void A_cursor_that_was_not_issued_is_a_400_invalid_cursor(string cursor)
    {
        AssertInvalid(() => Cursors.Decode<Key>(cursor, Transactions));
    }

    [Fact]
    public void The_extra_row_only_signals_a_next_page()
    {
        var rows = Enumerable.Range(1, 4).ToList();
        var page = Cursors.Page(rows, 3, r => new { Id = r }, Transactions);
        Assert.Equal([1, 2, 3], page.Items);
        Assert.NotNull(page.NextCursor);

        var last = Cursors.Page(rows.Take(3).ToList(), 3, r => new { Id = r }, Transactions);
        Assert.Null(last.NextCursor);
    }

    private static void AssertInvalid(Action decode)
    {
        var problem = Assert.Throws<ApiProblem>(decode);
        Assert.Equal(400, problem.Status);
        Assert.Equal("invalid_cursor", problem.Code);
    }
}
