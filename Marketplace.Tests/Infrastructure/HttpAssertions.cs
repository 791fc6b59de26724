using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Marketplace.Tests.Infrastructure;

public static class HttpAssertions
{
    /// <summary>Asserts an RFC 9457 problem with this status and code; returns the parsed body.</summary>
    public static async Task<JsonElement> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()));
        Assert.True(json.TryGetProperty("traceId", out _), "a problem carries a traceId");
        return json;
    }

    /// <summary>Asserts a 400 validation problem naming this field.</summary>
    public static async Task<JsonElement> AssertValidationError(this HttpResponseMessage response, string field)
    {
        var json = await response.AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        var errors = json.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() > 0,
            $"expected a validation error on '{field}', got {errors}");
        return json;
    }

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> AssertJson(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);

    public static Task<HttpResponseMessage> PatchJson(this HttpClient client, string url, object body) =>
        client.PatchAsJsonAsync(url, body);
}
