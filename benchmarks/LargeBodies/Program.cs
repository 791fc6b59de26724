// Sends large login bodies to the API, all at once, and reports the API process's resident memory
// (RSS) before, at its peak and after: what an anonymous caller can make the server hold.
// Usage: dotnet run -c Release --project benchmarks/LargeBodies -- [--repo <checkout>] [--senders 16] [--megabytes 25] [--mode length|chunked|both]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

var options = Options.Parse(args);
var serverCs = Environment.GetEnvironmentVariable("ConnectionStrings__Marketplace") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var dbName = $"marketplace_bodies_{DateTime.UtcNow:yyyyMMddHHmmss}";
var adminCs = new NpgsqlConnectionStringBuilder(serverCs) { Database = "postgres" }.ConnectionString;
var cs = new NpgsqlConnectionStringBuilder(serverCs) { Database = dbName }.ConnectionString;

Console.WriteLine($"API from {options.Repo}; database {dbName} (migrated by the API at start-up)");
await Sql.ExecAsync(adminCs, $"CREATE DATABASE \"{dbName}\"");
Process? api = null;
var exitCode = 1;
try
{
    var port = Options.FreePort();
    api = Api.Start(options.Repo, cs, port);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Senders * 2 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromMinutes(5),
    };
    await ApiProcess.WaitLiveAsync(http, api);

    // warm-up: ordinary failed logins, so start-up and JIT are behind us before the first reading
    for (var i = 0; i < 20; i++)
    {
        using var _ = await http.PostAsync("/api/v1/marketplace/auth/login",
            new StringContent("""{"email":"nobody@example.test","password":"not-the-password"}""", Encoding.UTF8, "application/json"));
    }
    await Task.Delay(2000);

    var withinLimit = true;
    foreach (var chunked in options.Modes)
    {
        var before = Rss.Of(api.Id);
        using var sampler = Rss.Sample(api.Id);
        var started = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, options.Senders).Select(_ => SendAsync(http.BaseAddress!, options.Megabytes, chunked)));
        var elapsed = started.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(10)); // what is kept, not what is in flight
        var after = Rss.Of(api.Id);
        var peak = sampler.Peak;

        Console.WriteLine();
        Console.WriteLine($"{options.Senders} concurrent {options.Megabytes} MB login bodies, {(chunked ? "chunked (no Content-Length)" : "with Content-Length")}: {elapsed.TotalSeconds:0.0} s");
        Console.WriteLine($"  answers: {string.Join(", ", results.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}");
        Console.WriteLine($"  sent before the answer: median {Median(results.Select(r => r.Sent)) / 1024.0 / 1024:0.0} MB of {options.Megabytes} MB per request");
        Console.WriteLine($"  API RSS: before {before} MB, peak {peak} MB, after {after} MB (10 s later)");
        withinLimit &= peak < options.MaxRssMb && after < options.MaxRssMb;
    }
    Console.WriteLine();
    Console.WriteLine(withinLimit ? $"RESULT: PASS (RSS stayed under {options.MaxRssMb} MB)" : $"RESULT: FAIL (RSS reached {options.MaxRssMb} MB or more)");
    exitCode = withinLimit ? 0 : 1;
}
finally
{
    ApiProcess.Stop(api);
    Api.DeleteData();
    NpgsqlConnection.ClearAllPools();
    await Sql.ExecAsync(adminCs, $"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)");
}
return exitCode;

// Raw HTTP/1.1 over a socket, reading the answer while the body is still being written: an HTTP
// client library would report the server closing the connection after its early 413 as a send
// failure and lose the status the server did answer.
static async Task<(string Status, long Sent)> SendAsync(Uri baseAddress, int megabytes, bool chunked)
{
    using var tcp = new TcpClient();
    await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
    var stream = tcp.GetStream();
    var size = megabytes * 1024L * 1024;
    var head = Encoding.ASCII.GetBytes(
        $"POST /api/v1/marketplace/auth/login HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nContent-Type: application/json\r\n"
        + (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {size}\r\n") + "\r\n");
    var answer = ReadStatusAsync(stream);
    long sent = 0;
    try
    {
        await stream.WriteAsync(head);
        foreach (var piece in LoginBody.Pieces(size))
        {
            if (answer.IsCompleted)
            {
                break;
            }
            if (chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"));
            }
            await stream.WriteAsync(piece);
            if (chunked)
            {
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
            sent += piece.Length;
        }
        if (chunked && !answer.IsCompleted)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
    }
    catch (IOException)
    {
        // the server closed the connection after answering: the answer below is what it said
    }
    return (await answer, sent);
}

static async Task<string> ReadStatusAsync(NetworkStream stream)
{
    var buffer = new byte[256];
    var read = 0;
    try
    {
        while (read < buffer.Length && (read == 0 || Array.IndexOf(buffer, (byte)'\n', 0, read) < 0))
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                break;
            }
            read += n;
        }
    }
    catch (IOException)
    {
    }
    var line = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    return line.Split(' ') is [_, var status, ..] ? status : "closed without an answer";
}

static double Median(IEnumerable<long> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
}

/// <summary>{"email":...,"password":"xxxx...."} of the given size, produced as it is sent (the sender holds 64 KB of it).</summary>
internal static class LoginBody
{
    private static readonly byte[] Head = Encoding.UTF8.GetBytes("{\"email\":\"big-body@example.test\",\"password\":\"");
    private static readonly byte[] Tail = "\"}"u8.ToArray();

    public static IEnumerable<ReadOnlyMemory<byte>> Pieces(long size)
    {
        yield return Head;
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'x');
        for (var filler = size - Head.Length - Tail.Length; filler > 0; filler -= chunk.Length)
        {
            yield return chunk.AsMemory(0, (int)Math.Min(chunk.Length, filler));
        }
        yield return Tail;
    }
}

internal sealed record Options(string Repo, int Senders, int Megabytes, bool[] Modes, int MaxRssMb)
{
    public static Options Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var modes = (Value("--mode") ?? "both") switch
        {
            "length" => new[] { false },
            "chunked" => [true],
            _ => [false, true],
        };
        return new Options(Path.GetFullPath(Value("--repo") ?? FindRepoRoot()), Int("--senders", 16), Int("--megabytes", 25), modes, Int("--max-rss-mb", 400));
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository, or give --repo");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Resident memory of a process, from /proc (Linux), in MB.</summary>
internal sealed class Rss : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private long peak;

    public long Peak => Interlocked.Read(ref peak);

    public static long Of(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    /// <summary>Samples every 50 ms until disposed, keeping the highest reading.</summary>
    public static Rss Sample(int pid)
    {
        var rss = new Rss { peak = Of(pid) };
        _ = Task.Run(async () =>
        {
            while (!rss.stop.IsCancellationRequested)
            {
                var now = Of(pid);
                if (now > Interlocked.Read(ref rss.peak))
                {
                    Interlocked.Exchange(ref rss.peak, now);
                }
                await Task.Delay(50);
            }
        });
        return rss;
    }

    public void Dispose() => stop.Cancel();
}

internal static class Sql
{
    public static async Task ExecAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

internal static class Api
{
    private static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), $"marketplace-bodies-{Environment.ProcessId}");

    /// <summary>Removes the stopped API's data folder (its mails and keys).</summary>
    public static void DeleteData()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <summary>Builds the API of that checkout and starts its dll directly, so the process measured is the API itself.</summary>
    public static Process Start(string repo, string cs, int port)
    {
        Console.WriteLine("building the API (Release)");
        var build = Process.Start(new ProcessStartInfo("dotnet", "build Marketplace.Api -c Release -v q -nologo") { WorkingDirectory = repo })!;
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("the API does not build");
        }
        var dll = Directory.GetFiles(Path.Combine(repo, "Marketplace.Api", "bin", "Release"), "Marketplace.Api.dll", SearchOption.AllDirectories).Single();
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = Path.Combine(repo, "Marketplace.Api"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Marketplace"] = cs;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Marketplace__Database__MigrateOnStartup"] = "true";
        start.Environment["Marketplace__Auth__SigningKey"] = "benchmark-signing-key-of-at-least-32-bytes!";
        start.Environment["Marketplace__RateLimiting__Enabled"] = "false";
        start.Environment["Marketplace__DataDirectory"] = DataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Marketplace.Requests"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.WriteLine("api: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"API started (pid {process.Id}) on port {port}");
        return process;
    }
}
