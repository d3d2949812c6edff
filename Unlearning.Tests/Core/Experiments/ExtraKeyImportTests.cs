using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// Keys of an imported file that are not part of the format are kept and written back as they came, never
/// interpreted, and bounded: count, total size, nesting depth and name (docs/results-format.md, "Import").
/// A refused file leaves no row and no artifacts folder behind.
/// </summary>
[Collection("Torch")]
public class ExtraKeyImportTests
{
    private static (ExperimentStore Store, ExperimentTransfer Transfer, IDisposable Services) New() => ImportFixtures.NewStore();

    private static Stream Body(JsonNode doc) => ImportFixtures.Body(doc);

    private static JsonNode Nested(int depth) => depth == 0 ? JsonValue.Create(1)! : new JsonArray(Nested(depth - 1));

    [Fact]
    public void Extra_keys_are_kept_in_place_and_written_back_verbatim()
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            // Inserted between TRA and RTE, as the original's PA; values that look like code stay data.
            var keys = doc.Select(p => p.Key).ToList();
            var copy = new JsonObject();
            foreach (var k in keys)
            {
                copy[k] = doc[k]!.DeepClone();
                if (k == "TRA")
                {
                    copy["PA"] = 0.494;
                    copy["__proto__"] = new JsonObject { ["constructor"] = "<script>alert(1)</script>", ["n"] = new JsonArray(1, 2.5, null, true) };
                }
            }
            // The original's per-epoch metrics (read since issue 13; Epoch = 2 ⇒ 3 entries each) keep their place among the extras.
            copy["epoch_metrics"] = new JsonObject([.. new[] { "UA", "RA", "TUA", "TRA", "PS", "C-MIA", "E-MIA" }.Select(k =>
                KeyValuePair.Create<string, JsonNode?>(k, new JsonArray(1.0, 0.5, 0.25)))]);
            copy["x-nested"] = Nested(ImportSchema.MaxExtraDepth);

            var e = transfer.Import(Body(copy), "fashion-mnist", "compact");
            var ms = new MemoryStream();
            transfer.Export(e.Id, ms, withFeatures: false);
            var exported = JsonNode.Parse(ms.ToArray())!.AsObject();

            var exportedKeys = exported.Select(p => p.Key).ToList();
            Assert.Equal(["TRA", "PA", "__proto__", "RTE"], exportedKeys.SkipWhile(k => k != "TRA").Take(4));
            foreach (var k in new[] { "PA", "__proto__", "epoch_metrics", "x-nested" })
                Assert.True(JsonNode.DeepEquals(copy[k], exported[k]), $"{k}: {copy[k]?.ToJsonString()} became {exported[k]?.ToJsonString()}");
            // Ours follow the file's keys.
            Assert.Equal(["epoch_metrics", "x-nested", "PS", "MIA", "MIA_R", "ForgetSet", "Gap"], exportedKeys.SkipWhile(k => k != "epoch_metrics"));
        }
    }

    public static TheoryData<string, Action<JsonObject>, string> Oversized => new()
    {
        { "33 extra keys", d => { for (int i = 0; i < ImportSchema.MaxExtraKeys + 1; i++) d[$"extra{i}"] = i; }, "more than 32 keys that are not part of the format" },
        { "a 2 MB extra key", d => d["blob"] = new string('x', 2 << 20), "more than 1 MB of JSON (at 'blob')" },
        { "extra keys of 0.6 MB each", d => { d["a"] = new string('x', 600_000); d["b"] = new string('y', 600_000); }, "more than 1 MB of JSON (at 'b')" },
        { "an extra key nested 9 deep", d => d["deep"] = Nested(ImportSchema.MaxExtraDepth + 1), "Key 'deep' is nested deeper than 8 levels" },
        { "a 300-character key", d => d[new string('k', 300)] = 1, "is not 1–64 printable characters" },
        { "a key with control characters", d => d["a\u0007b"] = 1, "Key 'a?b' is not 1–64 printable characters" },
        { "a non-number PS", d => d["PS"] = new JsonObject(), "PS must be a number or \"N/A\"" },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public void Oversized_extra_keys_are_refused_and_nothing_is_stored(string name, Action<JsonObject> spoil, string message)
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            spoil(doc);
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(Body(doc), "fashion-mnist", "compact"));
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{name}: {e.Message}");
            Assert.True(e.Message.Length < 300, $"{name}: message of {e.Message.Length} characters");
            Assert.Empty(store.List());
            var root = store.Artifacts.Root;
            Assert.True(!Directory.Exists(root) || !Directory.EnumerateFileSystemEntries(root).Any(), "an artifacts folder was left behind");
        }
    }

    [Fact]
    public void A_key_that_appears_twice_is_refused()
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var text = ImportFixtures.Valid().ToJsonString();
            text = text[..^1] + ",\"PA\":1,\"PA\":2}";
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(new MemoryStream(Encoding.UTF8.GetBytes(text)), "fashion-mnist", "compact"));
            Assert.Contains("Key 'PA' appears more than once", e.Message);
            Assert.Empty(store.List());
        }
    }
}
