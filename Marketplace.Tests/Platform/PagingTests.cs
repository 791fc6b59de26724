using Marketplace.Api.Infrastructure;

namespace Marketplace.Tests.Platform;

public sealed class PagingTests
{
    private sealed record Key(DateTime PublishedAt, int Id);

    [Fact]
    public void A_cursor_round_trips_the_sort_key()
    {
        var key = new Key(new DateTime(2026, 11, 24, 21, 0, 0, DateTimeKind.Utc), 42);
        Assert.Equal(key, Paging.Decode<Key>(Paging.Encode(key)));
    }

    [Theory]
    [InlineData("not-base64-%%%")]
    [InlineData("bnVsbA")] // "null"
    [InlineData("eyJ4Ijo")] // truncated JSON
    public void A_cursor_that_was_not_issued_is_a_400_invalid_cursor(string cursor)
    {
        var problem = Assert.Throws<ApiProblem>(() => Paging.Decode<Key>(cursor));
        Assert.Equal(400, problem.Status);
        Assert.Equal("invalid_cursor", problem.Code);
    }

    [Fact]
    public void The_extra_row_only_signals_a_next_page()
    {
        var rows = Enumerable.Range(1, 4).ToList();
        var page = Paging.Page(rows, 3, r => new { Id = r });
        Assert.Equal([1, 2, 3], page.Items);
        Assert.NotNull(page.NextCursor);

        var last = Paging.Page(rows.Take(3).ToList(), 3, r => new { Id = r });
        Assert.Null(last.NextCursor);
    }
}
