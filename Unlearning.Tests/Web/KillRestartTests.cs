using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Unlearning.Tests.Web;

/// <summary>
/// The app as a real process, killed with SIGKILL in the middle of an upload and of an import, then started again on
/// the same app folder: the database passes SQLite's integrity check, nothing half-written is left (no partial
/// upload, no artifact folder, no row, no job), and the app serves again. See docs/architecture.md, "Job states".
/// </summary>
[Collection("Torch")]
public sealed class KillRestartTests : IDisposable
{
    private readonly string _appFolder = TestData.TempFolder();
    private Process? _app;
    private string _baseUrl = "";

    public void Dispose()
    {
        Kill();
        try { Directory.Delete(_appFolder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_kill_during_an_upload_and_during_an_import_leaves_no_orphan_and_an_intact_database()
    {
        await StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(_baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add(Unlearning.Web.Security.SecurityMiddleware.RequestedWithHeader, "kill-test");
        int rowsBefore = await CountAsync(client, "/api/experiments?dataset=fashion-mnist&architecture=compact&forgetClass=3");

        // Upload: a multipart body that stops half-way; the server has started writing the file when the process dies.
        var stall = new TaskCompletionSource();
        var upload = new MultipartFormDataContent
        {
            { new StringContent("fashion-mnist"), "dataset" },
            { new StringContent("compact"), "architecture" },
            { new StringContent("3"), "forgetClass" },
        };
        var file = new StallingContent(4 << 20, stall.Task);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        upload.Add(file, "file", "model.pth");
        var uploadTask = client.PostAsync("/api/uploads", upload);
        var uploads = Path.Combine(_appFolder, "uploads");
        await WaitUntilAsync(() => Directory.Exists(uploads) && Directory.EnumerateFiles(uploads).Any(f => new FileInfo(f).Length > 0),
            "the server to start writing the upload");
        Kill();
        stall.TrySetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => uploadTask);
        Assert.NotEmpty(Directory.EnumerateFiles(uploads));          // the kill left a partial upload behind …

        await StartAsync();
        Assert.Empty(Directory.EnumerateFiles(uploads));             // … which the next start removed
        AssertIntactAndEmpty();

        // Import: a JSON body that stops half-way (the server has read part of it) when the process dies.
        var stall2 = new TaskCompletionSource();
        // Valid JSON so far: an opened document followed by whitespace, so a streaming reader keeps reading.
        var import = new StallingContent(2 << 20, stall2.Task, prefix: Encoding.UTF8.GetBytes("{\"ID\":\"kill1\",\"FC\":3,\"Type\":\"Unlearned\",\"points\":["), filler: (byte)' ');
        import.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var importTask = client.PostAsync("/api/experiments/import?dataset=fashion-mnist&architecture=compact", import);
        await WaitUntilAsync(() => import.Sent > 1 << 20 || importTask.IsCompleted, "the body to be half sent");
        if (importTask.IsCompleted)
            Assert.Fail("the server answered before the body was complete: " + (importTask.IsCompletedSuccessfully ? (await importTask).StatusCode.ToString() : importTask.Exception?.GetBaseException().Message));
        Kill();
        stall2.TrySetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => importTask);

        await StartAsync();
        AssertIntactAndEmpty();
        Assert.Equal(rowsBefore, await CountAsync(client, "/api/experiments?dataset=fashion-mnist&architecture=compact&forgetClass=3"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/experiments/kill1")).StatusCode);
        Assert.Equal(0, await CountAsync(client, "/api/jobs"));
    }

    /// <summary>SQLite's integrity check passes; no artifact folder, partial upload or temporary file exists.</summary>
    private void AssertIntactAndEmpty()
    {
        using (var db = new SqliteConnection($"Data Source={Path.Combine(_appFolder, "unlearning.db")};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            using var check = db.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar() as string);
        }
        var artifacts = Path.Combine(_appFolder, "artifacts");
        Assert.True(!Directory.Exists(artifacts) || !Directory.EnumerateFileSystemEntries(artifacts).Any(),
            "artifact entries left: " + (Directory.Exists(artifacts) ? string.Join(", ", Directory.EnumerateFileSystemEntries(artifacts)) : ""));
        Assert.Empty(Directory.EnumerateFiles(_appFolder, "*.part", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(_appFolder, "*.tmp-*", SearchOption.AllDirectories));
    }

    private static async Task<int> CountAsync(HttpClient client, string route) =>
        (await client.GetFromJsonAsync<JsonElement>(route)).GetArrayLength();

    /// <summary>Starts the published app (Production, loopback, free port) on this test's app folder and waits until it answers.</summary>
    private async Task StartAsync()
    {
        var repo = Path.GetDirectoryName(Unlearning.Core.DataPaths.ResolveDataRoot("data"))!;
        var dll = typeof(Unlearning.Web.WebSetup).Assembly.Location;
        if (_baseUrl.Length == 0)
        {
            // One port for every start, so a client made for the first keeps working after a restart.
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            _baseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--urls", _baseUrl, "--Unlearning:AppFolder", _appFolder, "--Unlearning:Device", "cpu", "--Unlearning:Threads", "1" })
            start.ArgumentList.Add(a);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _app = Process.Start(start)!;
        _app.OutputDataReceived += (_, _) => { };
        _app.ErrorDataReceived += (_, _) => { };
        _app.BeginOutputReadLine();
        _app.BeginErrorReadLine();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilAsync(() =>
        {
            if (_app.HasExited) throw new InvalidOperationException($"The app exited with code {_app.ExitCode}.");
            try { return client.GetAsync(_baseUrl + "/api/datasets").Result.IsSuccessStatusCode; }
            catch (AggregateException) { return false; }
        }, "the app to answer", TimeSpan.FromSeconds(120));
    }

    private void Kill()
    {
        if (_app is null) return;
        try { if (!_app.HasExited) _app.Kill(entireProcessTree: true); }   // SIGKILL on Linux: no shutdown code runs
        catch (InvalidOperationException) { }
        _app.WaitForExit(30_000);
        _app.Dispose();
        _app = null;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var end = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>A body that sends <paramref name="prefix"/> and then <paramref name="filler"/> bytes up to <paramref name="bytesBeforeStall"/> bytes, then waits for <paramref name="stall"/>.</summary>
    private sealed class StallingContent(int bytesBeforeStall, Task stall, byte[]? prefix = null, byte filler = 0) : HttpContent
    {
        private long _sent;

        public long Sent => Interlocked.Read(ref _sent);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 << 10];
            Array.Fill(chunk, filler);
            if (prefix is not null) { await stream.WriteAsync(prefix); Interlocked.Add(ref _sent, prefix.Length); }
            while (Sent < bytesBeforeStall)
            {
                await stream.WriteAsync(chunk);
                await stream.FlushAsync();
                Interlocked.Add(ref _sent, chunk.Length);
            }
            await stall;
            throw new IOException("the client stopped sending (test)");
        }

        protected override bool TryComputeLength(out long length) { length = 0; return false; }
    }
}
