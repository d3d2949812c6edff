using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Bounds of an imported result file, checked before anything is written. The original system writes 2,000
/// subset points and at most a few hundred attack values; everything a chart later draws must be a finite number in
/// its range, so that one bad file cannot break the views of everyone who opens it.
/// </summary>
public static partial class ImportSchema
{
    public const int MaxDepth = 16;
    public const int MaxPoints = 2000;
    public const int MaxAttackValues = 200;
    public const int MaxCurvePoints = 1000;
    public const int MaxCkaLayers = 64;
    /// <summary>Entries of each <c>epoch_metrics</c> series: epochs + 1, with epochs at most 1,000.</summary>
    public const int MaxEpochMetricsEntries = 1001;
    public const int MaxIdLength = 64;
    public const int MaxMethodLength = 64;
    public const int MaxNameLength = 64;
    /// <summary>Keys of a file that the import does not read (kept and written back on export): at most this many…</summary>
    public const int MaxExtraKeys = 32;
    /// <summary>…of at most this many bytes of JSON together (e.g. the original's legacy <c>PA</c>)…</summary>
    public const int MaxExtraBytes = 1 << 20;
    /// <summary>…nested at most this deep inside the key (an object of arrays is 2).</summary>
    public const int MaxExtraDepth = 8;
    /// <summary>Embedding coordinates: UMAP output is within tens of units; anything near this bound is not an embedding.</summary>
    public const double MaxCoordinate = 1e6;

    /// <summary>IDs become folder names and URL segments: ASCII letters, digits, '_' and '-' only.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SafeId();

    public static bool IsSafeId(string? id) => id is { Length: > 0 and <= MaxIdLength } && SafeId().IsMatch(id);

    /// <summary>Training-set size of each known dataset: point and attack image indexes address it.</summary>
    public static int TrainImages(DatasetInfo info) => info.Id switch
    {
        "fashion-mnist" => 60_000,
        "cifar10" => 50_000,
        _ => int.MaxValue,
    };

    /// <summary>
    /// Bounds of one key the import does not read, checked on the parsed file before the value is copied:
    /// its name (1–<see cref="MaxNameLength"/> characters, no control characters), its nesting depth
    /// (≤ <see cref="MaxExtraDepth"/>), and the count and total size of such keys so far
    /// (≤ <see cref="MaxExtraKeys"/>, ≤ <see cref="MaxExtraBytes"/> bytes). Returns the new total size.
    /// </summary>
    public static long CheckExtraKey(string name, JsonElement value, int countSoFar, long bytesSoFar)
    {
        var shown = name.Length > 40 ? name[..40] + "…" : name;
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
            throw new InvalidDataException($"Key '{new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)])}' is not 1–{MaxNameLength} printable characters.");
        if (countSoFar + 1 > MaxExtraKeys)
            throw new InvalidDataException($"The file has more than {MaxExtraKeys} keys that are not part of the format (at '{shown}').");
        long bytes = bytesSoFar + JsonMarshal.GetRawUtf8Value(value).Length;
        if (bytes > MaxExtraBytes)
            throw new InvalidDataException($"Keys that are not part of the format hold more than {MaxExtraBytes / 1048576.0:0.#} MB of JSON (at '{shown}').");
        if (Depth(value) > MaxExtraDepth)
            throw new InvalidDataException($"Key '{shown}' is nested deeper than {MaxExtraDepth} levels.");
        return bytes;
    }

    private static int Depth(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first value outside the schema.</summary>
    public static void Validate(OriginalFormat.Imported imported, DatasetInfo info)
    {
        var e = imported.Experiment;
        var r = imported.Results;
        if (!IsSafeId(e.Id))
            throw new InvalidDataException($"ID must be 1–{MaxIdLength} characters of A–Z, a–z, 0–9, '_' or '-'.");
        if (e.BaseId is not null && !IsSafeId(e.BaseId))
            throw new InvalidDataException($"Base must be \"N/A\" or 1–{MaxIdLength} characters of A–Z, a–z, 0–9, '_' or '-'.");
        if (e.Method is { Length: > MaxMethodLength }) throw new InvalidDataException($"Method is longer than {MaxMethodLength} characters.");
        if (e.Method is not null && e.Method.Any(char.IsControl)) throw new InvalidDataException("Method contains control characters.");
        if (e.Dataset.Length > MaxNameLength || e.Architecture.Length > MaxNameLength) throw new InvalidDataException("Dataset or Architecture is too long.");

        if (imported.File.Extras.Count > MaxExtraKeys)
            throw new InvalidDataException($"The file has more than {MaxExtraKeys} keys that are not part of the format.");

        Range("Epoch", e.Epochs, 0, 100_000);
        Range("BS", e.BatchSize, 1, 1_000_000);
        Range("LR", e.LearningRate, 0, 1_000);
        Range("RTE", e.RT, 0, 1e8);
        foreach (var (key, v) in new[] { ("UA", e.UA), ("RA", e.RA), ("TUA", e.TUA), ("TRA", e.TRA), ("FQS", e.PS) }) Range(key, v, 0, 1);

        Units("accs", r.Accs);
        Units("t_accs", r.TAccs);
        foreach (var (key, dist) in new[] { ("label_dist", r.LabelDist), ("conf_dist", r.ConfDist), ("t_label_dist", r.TLabelDist), ("t_conf_dist", r.TConfDist) })
            for (int i = 0; i < dist.Length; i++) Units($"{key}.gt_{i}", dist[i]);
        foreach (var (key, cka) in new[] { ("cka", r.Cka), ("cka_retrain", r.CkaRetrain) })
        {
            if (cka is null) continue;
            if (cka.Layers.Length > MaxCkaLayers || cka.Layers.Any(l => l.Length > MaxNameLength))
                throw new InvalidDataException($"{key}.layers must be at most {MaxCkaLayers} names of at most {MaxNameLength} characters.");
            foreach (var m in new[] { cka.Train.ForgetClass, cka.Train.OtherClasses, cka.Test.ForgetClass, cka.Test.OtherClasses })
                foreach (var row in m) Units(key, row);
        }

        if (r.Points.Count is 0 or > MaxPoints) throw new InvalidDataException($"points must hold 1–{MaxPoints:N0} entries; it holds {r.Points.Count:N0}.");
        int images = TrainImages(info);
        for (int i = 0; i < r.Points.Count; i++)
        {
            var p = r.Points[i];
            if (p.Img < 0 || p.Img >= images) throw new InvalidDataException($"points[{i}] has image index {p.Img}, outside 0..{images - 1} of {info.DisplayName}'s training set.");
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || Math.Abs(p.X) > MaxCoordinate || Math.Abs(p.Y) > MaxCoordinate)
                throw new InvalidDataException($"points[{i}] has a position outside ±{MaxCoordinate:0e0} or not a finite number.");
            Units($"points[{i}] probabilities", p.Probs);
        }
        if (r.Attack is { } a)
        {
            if (a.Values.Count > MaxAttackValues) throw new InvalidDataException($"attack.values may hold at most {MaxAttackValues}; it holds {a.Values.Count:N0}.");
            for (int i = 0; i < a.Values.Count; i++)
            {
                var v = a.Values[i];
                if (v.Img < 0 || v.Img >= images) throw new InvalidDataException($"attack.values[{i}] has image index {v.Img}, outside 0..{images - 1}.");
                Range($"attack.values[{i}].entropy", v.Entropy, 0, 100);
                Range($"attack.values[{i}].confidence", v.Confidence, -1e3, 1e3);
            }
            foreach (var (key, curve) in a.Results)
            {
                if (curve.Count > MaxCurvePoints) throw new InvalidDataException($"attack.results.{key} may hold at most {MaxCurvePoints} points.");
                foreach (var c in curve)
                {
                    Range($"attack.results.{key} threshold", c.Threshold, -1e3, 1e3);
                    Range($"attack.results.{key} fpr", c.Fpr, 0, 1);
                    Range($"attack.results.{key} fnr", c.Fnr, 0, 1);
                    Range($"attack.results.{key} attack_score", c.AttackScore, 0, 1);
                }
            }
        }
    }

    private static void Range(string key, double? value, double min, double max)
    {
        if (value is double v && (!double.IsFinite(v) || v < min || v > max))
            throw new InvalidDataException($"{key} = {Show(v)} must be a finite number in [{min}, {max}].");
    }

    private static void Units(string key, double[] values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v) || v < 0 || v > 1) throw new InvalidDataException($"{key} holds {Show(v)}; values must be finite and in [0, 1].");
    }

    private static string Show(double v) => double.IsFinite(v) ? v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A read-only view of a stream that fails once more than <paramref name="max"/> bytes were read (the size is never trusted from headers).</summary>
    public static Stream Bounded(Stream inner, long max) => new BoundedStream(inner, max);

    private sealed class BoundedStream(Stream inner, long max) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Count(await inner.ReadAsync(buffer, ct));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > max) throw new InvalidDataException($"The file is larger than {max / 1048576.0:0.#} MB.");
            return n;
        }
    }
}
