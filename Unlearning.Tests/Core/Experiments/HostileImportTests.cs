using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// Bounds of imported result files: each refused file gets a clear message and leaves no database row and no
/// <c>artifacts/&lt;id&gt;/</c> folder behind.
/// </summary>
[Collection("Torch")]
public class HostileImportTests
{
    private static (ExperimentStore Store, ExperimentTransfer Transfer, IDisposable Services) New() => ImportFixtures.NewStore();

    private static Stream Body(JsonNode doc) => ImportFixtures.Body(doc);

    private static void AssertNothingStored(ExperimentStore store)
    {
        Assert.Empty(store.List());
        var root = store.Artifacts.Root;
        Assert.True(!Directory.Exists(root) || !Directory.EnumerateFileSystemEntries(root).Any(), "an artifacts folder was left behind");
    }

    [Fact]
    public void A_valid_file_is_stored()
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var e = transfer.Import(Body(ImportFixtures.Valid()), "fashion-mnist", "compact");
            Assert.Equal("xsite1", e.Id);
            Assert.NotNull(store.Get("xsite1"));
            Assert.True(File.Exists(store.Artifacts.ResultsPath("xsite1")));
        }
    }

    public static TheoryData<string, Action<JsonObject>, string> Hostile => new()
    {
        { "300-char ID", d => d["ID"] = new string('a', 300), "ID must be 1–64 characters" },
        { "path-like ID", d => d["ID"] = "..%2f..%2fetc", "ID must be 1–64 characters" },
        { "non-ASCII ID", d => d["ID"] = "模型ü", "ID must be 1–64 characters" },
        { "path-like Base", d => d["Base"] = "../x", "Base must be" },
        { "100,000-char Method", d => d["Method"] = new string('m', 100_000), "Method is longer than 64" },
        { "no points", d => d["points"] = new JsonArray(), "points must hold 1–2,000 entries; it holds 0" },
        { "2,001 points", d => d["points"] = ImportFixtures.Valid(2001)["points"]!.DeepClone(), "it holds 2,001" },
        { "negative image index", d => d["points"]![0]![2] = -5, "image index -5, outside 0..59999" },
        { "image index past the dataset", d => d["points"]![0]![2] = 60_000, "image index 60000" },
        { "x = 1e308", d => d["points"]![1]![4] = 1e308, "points[1] has a position outside" },
        { "probability 7", d => d["points"]![0]![6] = new JsonObject { ["3"] = 7 }, "points[0] probabilities holds 7" },
        { "201 attack values", d => d["attack"]!["values"] = new JsonArray([.. Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject { ["img"] = i, ["entropy"] = 0.1, ["confidence"] = 1 })]), "attack.values may hold at most 200" },
        { "accuracy 1.5", d => d["accs"]![4] = 1.5, "accs holds 1.5" },
        { "UA negative", d => d["UA"] = -0.1, "UA = -0.1 must be in [0, 1]" },
        { "huge learning rate", d => d["LR"] = 1e300, "LR = 1E+300" },
        { "Original without a baseline row", d => d["Type"] = "Original", "can only be imported where that baseline" },
        { "Retrained without a baseline row", d => d["Type"] = "Retrained", "can only be imported where that baseline" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_files_are_refused_and_nothing_is_stored(string name, Action<JsonObject> spoil, string message)
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            spoil(doc);
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(Body(doc), "fashion-mnist", "compact"));
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{name}: {e.Message}");
            Assert.True(e.Message.Length < 300, $"{name}: message of {e.Message.Length} characters");
            AssertNothingStored(store);
        }
    }

    [Fact]
    public void Deeply_nested_and_oversized_json_is_refused_while_reading()
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var deep = new string('[', 10_000) + new string(']', 10_000);
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(new MemoryStream(Encoding.ASCII.GetBytes(deep)), "fashion-mnist", "compact"));
            Assert.Contains("not valid JSON", e.Message);
            Assert.Contains("depth", e.Message);

            // A stream that would go on for ever: reading stops at the cap (the import's is 200 MB; 1 MB here).
            using var endless = new EndlessStream();
            e = Assert.Throws<InvalidDataException>(() => JsonDocument.Parse(ImportSchema.Bounded(endless, 1 << 20)));
            Assert.Contains("larger than 1 MB", e.Message);
            Assert.True(endless.Position <= 2 << 20);
            AssertNothingStored(store);
        }
    }

    [Fact]
    public void A_failure_after_the_folder_was_created_removes_it()
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            // The results file is written, then the database write fails (its table is gone).
            using (var db = store.NewContext()) db.Database.ExecuteSqlRaw("DROP TABLE Experiments");
            Assert.ThrowsAny<Exception>(() => transfer.Import(Body(ImportFixtures.Valid(id: "orphan1")), "fashion-mnist", "compact"));
            Assert.False(Directory.Exists(store.Artifacts.FolderOf("orphan1")));
        }
    }

    /// <summary>'[' forever: valid-looking JSON that never ends.</summary>
    private sealed class EndlessStream : Stream
    {
        private long _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            // A long string value, so the depth limit is not what stops it.
            for (int i = 0; i < count; i++) buffer[offset + i] = _pos + i == 0 ? (byte)'"' : (byte)'a';
            _pos += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
