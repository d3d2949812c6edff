using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Unlearning.Tests.Web.Api;

/// <summary>The hostile imports and uploads through HTTP: a clear 4xx, and nothing stored or queued.</summary>
[Collection("Torch")]
public sealed class HostileApiTests : IDisposable
{
    private readonly AppHost _app = new(kestrel: false);

    public void Dispose() => _app.Dispose();

    private async Task<int> Count(string url) => (await _app.Client.GetFromJsonAsync<JsonElement>(url)).GetArrayLength();

    [Theory]
    [InlineData("long-id")]
    [InlineData("non-ascii-id")]
    [InlineData("bad-point")]
    public async Task Hostile_imports_get_400_and_store_nothing(string variant)
    {
        var doc = ImportFixtures.Valid();
        switch (variant)
        {
            case "long-id": doc["ID"] = new string('x', 300); break;
            case "non-ascii-id": doc["ID"] = "ünïcødé"; break;
            default: doc["points"]![0]![2] = -5; doc["points"]![0]![4] = 1e308; break;
        }
        const string list = "/api/experiments?dataset=fashion-mnist&architecture=compact";
        int before = await Count(list);
        var r = await _app.Client.PostAsync("/api/experiments/import?dataset=fashion-mnist&architecture=compact",
            new StringContent(doc.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("PathTooLong", body);
        Assert.DoesNotContain(_app.AppFolder, body);
        Assert.Contains(variant == "bad-point" ? "image index -5" : "ID must be 1–64 characters", body);
        Assert.Equal(before, await Count(list));
        var artifacts = Path.Combine(_app.AppFolder, "artifacts");
        Assert.True(!Directory.Exists(artifacts) || !Directory.EnumerateDirectories(artifacts).Any(d => !Path.GetFileName(d).StartsWith("000", StringComparison.Ordinal) && !Path.GetFileName(d).StartsWith("a00", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_zip_bomb_upload_gets_400_is_deleted_and_queues_nothing()
    {
        var bomb = new MemoryStream();
        using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) s.Write(zeros);
        }
        int jobs = await Count("/api/jobs");
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(bomb.ToArray()), "file", "bomb.pth" },
            { new StringContent("fashion-mnist"), "dataset" },
            { new StringContent("compact"), "architecture" },
            { new StringContent("3"), "forgetClass" },
        };
        var r = await _app.Client.PostAsync("/api/uploads", form);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await r.Content.ReadAsStringAsync();
        Assert.Contains("data.pkl is larger than 16 MB", body);
        Assert.DoesNotContain(_app.AppFolder, body);
        Assert.Equal(jobs, await Count("/api/jobs"));
        var uploads = Path.Combine(_app.AppFolder, "uploads");
        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0);
    }
}
