using System.Globalization;
using System.Text;
using System.Text.Json;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Data;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Export and import in the original system's result format (docs/results-format.md): the same keys in the same
/// order, shapes and meanings, rounded as the original rounds (3 dp for metrics, 2 dp for positions; probability
/// dicts keep entries whose unrounded probability is &gt; 0.001), except attack values, written with 4 dp so that the
/// file's curves can be recomputed from its values (see <see cref="AttackValueForExport"/>). <c>FQS</c> holds our
/// privacy score PS, "N/A" for the Original as in the original; "N/A" stands for missing values. Our own keys follow
/// the original's: <c>Dataset</c>, <c>Architecture</c>, <c>PS</c> (our privacy score, also the Original's) and
/// <c>features</c> (2,000 × d) on request. An imported file is written back as it came (<see cref="ImportedFile"/>):
/// its keys in its order, including the ones we do not read, and its values as it had them (not rounded again).
/// </summary>
public static class OriginalFormat
{
    public static readonly string[] RequiredKeys =
        ["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "RTE", "FQS",
         "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "points", "attack"];

    /// <summary>Every key the format's reader and writer know, in the order the export writes them.</summary>
    public static readonly string[] KnownKeys =
        ["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "RTE", "FQS",
         "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "cka", "cka_retrain", "points", "attack", EpochMetrics.FileKey,
         "Dataset", "Architecture", "PS", "MIA", "MIA_R", "ForgetSet", "Gap", ReferencesKey, "depth", "features"];

    /// <summary>Our key with the references a row was measured against and whether it is stale (docs/results-format.md, "Stale results").</summary>
    public const string ReferencesKey = "References";

    /// <summary>
    /// The original's method names that differ from our stored names (docs/results-format.md, "Keys"): its guided
    /// methods carry "+" and a space, which our stored names (identifiers) do not.
    /// </summary>
    private static readonly Dictionary<string, string> FileToStored = new(StringComparer.Ordinal)
    {
        ["GA+FT"] = "GAFT", ["GA+SL+FT"] = "GASLFT", ["GA+SL+FT V2"] = "GASLFTV2",
    };

    /// <summary>A stored method name as the original's files write it.</summary>
    public static string FileMethodName(string stored) =>
        FileToStored.FirstOrDefault(kv => kv.Value == stored).Key ?? stored;

    /// <summary>Most indexes a file's <c>ForgetSet</c> may list (checked before they are read).</summary>
    public const int MaxForgetSetIndexes = 1_000_000;

    /// <summary>Decimals of exported attack values (the original writes 2; see <see cref="AttackValueForExport"/>).</summary>
    public const int AttackValueDigits = 4;

    public static IReadOnlyList<string> CurveKeys => AttackData.CurveKeys;

    /// <summary>Method names as the original stores them; ours are the same except Upload ("Custom").</summary>
    public static string TypeName(Experiment e) => e.Type switch
    {
        ExperimentType.Original => "Original",
        ExperimentType.Retrained => "Retrained",
        ExperimentType.Uploaded when e.ForgetClass < 0 => "Pretrained",
        _ => "Unlearned",
    };

    /// <summary>
    /// Writes <paramref name="e"/> and its results in the original format. <paramref name="importedFile"/> (an imported
    /// experiment's) brings back the file's key order, its <c>Type</c> and the keys we do not read; our own keys that
    /// the file lacks are written where the format puts them.
    /// </summary>
    /// <param name="forgetSet">The experiment's forget set (our key <c>ForgetSet</c>; a sample set with its indexes, so that an import elsewhere recreates it).</param>
    /// <param name="gap">Its gap to the Retrained models of its forget set (our key <c>Gap</c>; N/A when unknown).</param>
    /// <param name="stale">Whether the row is stale now (<see cref="StaleReferences"/>), written with its references under <see cref="ReferencesKey"/>.</param>
    public static void Export(Stream output, Experiment e, ExperimentResults r, float[][]? features = null, ImportedFile? importedFile = null,
        ForgetSetInFile? forgetSet = null, double? gap = null, Evaluation.Depth.DepthResults? depth = null, StaleStatus? stale = null)
    {
        // UA is defined for every model of a forget set (a sample set's has no class: FC "N/A"), not for an upload without one.
        bool hasForgetSet = e.ForgetClass >= 0 || !string.IsNullOrEmpty(e.ForgetSetId);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        // A baseline imported as a plain row (docs/results-format.md, "Import") is written with the file's Type.
        var type = importedFile?.Type ?? TypeName(e);
        bool isOriginal = type == "Original";
        // An imported file's values are written as it had them (they were the file's; rounding them again could
        // change a value the file did not round, as the x positions of the original's own 0006.json).
        bool asStored = importedFile is not null;
        int D(int digits) => asStored ? AsStored : digits;
        w.WriteStartObject();
        foreach (var key in KeyOrder(importedFile?.Keys))
        {
            switch (key)
            {
                // Baselines get the original's fixed timestamps (they sort first); others their creation time (UTC).
                case "CreatedAt": w.WriteString(key, e.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)); break;
                case "ID": w.WriteString(key, ExperimentIds.Display(e.Id)); break;
                case "FC": if (e.ForgetClass >= 0) w.WriteNumber(key, e.ForgetClass); else w.WriteString(key, "N/A"); break;
                case "Type": w.WriteString(key, type); break;
                case "Base": w.WriteString(key, e.BaseId is null ? "N/A" : ExperimentIds.Display(e.BaseId)); break;
                case "Method": w.WriteString(key, e.IsBaseline || e.Method is null ? "N/A" : FileMethodName(e.Method)); break;
                // Baselines hold their training recipe (the original's baseline files write 200 / 128 / 0.1 too).
                case "Epoch": NumberOrNA(w, key, e.Epochs, D(0)); break;
                case "BS": NumberOrNA(w, key, e.BatchSize, D(0)); break;
                case "LR": NumberOrNA(w, key, e.LearningRate, AsStored); break;
                case "UA": NumberOrNA(w, key, hasForgetSet ? e.UA : null, D(3)); break;
                case "RA": NumberOrNA(w, key, e.RA, D(3)); break;
                case "TUA": NumberOrNA(w, key, hasForgetSet ? e.TUA : null, D(3)); break;
                case "TRA": NumberOrNA(w, key, e.TRA, D(3)); break;
                case "RTE": NumberOrNA(w, key, isOriginal || e.Type == ExperimentType.Uploaded ? null : e.RT, D(1)); break;
                // The original has no privacy score for the Original; ours is under "PS" (docs/results-format.md, "Export").
                case "FQS": NumberOrNA(w, key, isOriginal ? null : PrivacyScoreOf(e), D(3)); break;
                case "accs": Array(w, key, r.Accs, D(3)); break;
                case "label_dist": Dist(w, key, r.LabelDist, D(3)); break;
                case "conf_dist": Dist(w, key, r.ConfDist, D(3)); break;
                case "t_accs": Array(w, key, r.TAccs, D(3)); break;
                case "t_label_dist": Dist(w, key, r.TLabelDist, D(3)); break;
                case "t_conf_dist": Dist(w, key, r.TConfDist, D(3)); break;
                case "cka": Cka(w, key, r.Cka, D(3)); break;
                case "cka_retrain": Cka(w, key, r.CkaRetrain, D(3)); break;
                case "points": Points(w, r.Points, asStored); break;
                case "attack": Attack(w, r.Attack, asStored); break;
                case EpochMetrics.FileKey:
                    if (r.EpochMetrics is { } em) WriteEpochMetrics(w, em, D(3));
                    else if (importedFile is not null) w.WriteNull(key);   // the file had the key, as null
                    break;
                case "Dataset": w.WriteString(key, e.Dataset); break;
                case "Architecture": w.WriteString(key, e.Architecture); break;
                case "PS": NumberOrNA(w, key, PrivacyScoreOf(e), D(3)); break;
                case "MIA": NumberOrNA(w, key, e.MIA, D(3)); break;
                case "MIA_R": NumberOrNA(w, key, e.RetainMia, D(3)); break;
                case "ForgetSet": if (forgetSet is not null) WriteForgetSet(w, forgetSet); break;
                case "Gap": NumberOrNA(w, key, gap, 3); break;
                case ReferencesKey: WriteReferences(w, e, stale); break;
                // Ours (docs/results-format.md, "Depth of forgetting"): written only when computed, in depth.json's format.
                case "depth": if (depth is not null) { w.WritePropertyName(key); JsonSerializer.Serialize(w, depth, DepthDocument.Json); } break;
                case "features": if (features is not null) Features(w, features); break;
                default:
                    // A key of the imported file that we do not read: copied as it came, never interpreted.
                    if (importedFile!.Extras.TryGetValue(key, out var value)) { w.WritePropertyName(key); value.WriteTo(w); }
                    break;
            }
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// The export's keys: an imported file's keys in its order, each of our <see cref="KnownKeys"/> the file lacks
    /// placed before the next known key that follows it in <see cref="KnownKeys"/>, the rest at the end. Without a
    /// file, <see cref="KnownKeys"/>. The file's CKA keys and <c>epoch_metrics</c> are not added when it lacked them (they would be null).
    /// </summary>
    internal static List<string> KeyOrder(IReadOnlyList<string>? fileKeys)
    {
        if (fileKeys is null) return [.. KnownKeys];
        var inFile = fileKeys.ToHashSet(StringComparer.Ordinal);
        bool Added(string k) => !inFile.Contains(k) && k is not ("cka" or "cka_retrain" or EpochMetrics.FileKey);
        var order = new List<string>(fileKeys.Count + KnownKeys.Length);
        int next = 0;
        foreach (var key in fileKeys)
        {
            int at = System.Array.IndexOf(KnownKeys, key);
            for (; next < at; next++) if (Added(KnownKeys[next])) order.Add(KnownKeys[next]);
            next = Math.Max(next, at + 1);
            order.Add(key);
        }
        for (; next < KnownKeys.Length; next++) if (Added(KnownKeys[next])) order.Add(KnownKeys[next]);
        return order;
    }

    /// <summary>The per-epoch metrics (docs/results-format.md, "Keys"): the original's seven series by its key names, null for N/A.</summary>
    private static void WriteEpochMetrics(Utf8JsonWriter w, EpochMetrics m, int digits)
    {
        w.WriteStartObject(EpochMetrics.FileKey);
        foreach (var key in EpochMetrics.Keys)
        {
            w.WriteStartArray(key);
            foreach (var v in m.Series(key))
                if (v is double d && double.IsFinite(d)) w.WriteNumberValue(Round(d, digits)); else w.WriteNullValue();
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>"Digits" that mean: write the value as stored, unrounded.</summary>
    private const int AsStored = -1;

    private static double Round(double value, int digits) => digits == AsStored ? value : Math.Round(value, digits);

    private static double? PrivacyScoreOf(Experiment e) => e.PS is double ps ? Math.Clamp(ps, 0, 1) : null;

    /// <summary>
    /// Computed probabilities keep the entries whose unrounded value is &gt; 0.001, as the original filters; an imported
    /// file's probabilities are already its rounded, filtered entries and are written back as listed (every entry it
    /// listed is non-zero, so the absent ones are the zeros), with the file's positions.
    /// </summary>
    private static void Points(Utf8JsonWriter w, List<SubsetPoint> points, bool asStored)
    {
        w.WriteStartArray("points");
        foreach (var p in points)
        {
            w.WriteStartArray();
            w.WriteNumberValue(p.Gt);
            w.WriteNumberValue(p.Pred);
            w.WriteNumberValue(p.Img);
            w.WriteNumberValue(p.IsForget ? 1 : 0);
            w.WriteNumberValue(asStored ? p.X : Math.Round(p.X, 2));
            w.WriteNumberValue(asStored ? p.Y : Math.Round(p.Y, 2));
            w.WriteStartObject();
            for (int k = 0; k < p.Probs.Length; k++)
                if (asStored ? p.Probs[k] != 0 : p.Probs[k] > 0.001)
                    w.WriteNumber(k.ToString(CultureInfo.InvariantCulture), asStored ? p.Probs[k] : Math.Round(p.Probs[k], 3));
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>Computed attack data: values by <see cref="AttackValueForExport"/>, curves at 3 dp; an imported file's as it had them.</summary>
    private static void Attack(Utf8JsonWriter w, AttackData? attack, bool asStored)
    {
        w.WriteStartObject("attack");
        w.WriteStartArray("values");
        foreach (var v in attack?.Values ?? [])
        {
            w.WriteStartObject();
            w.WriteNumber("img", v.Img);
            w.WriteNumber("entropy", asStored ? v.Entropy : AttackValueForExport(v.Entropy, AttackMetric.Entropy));
            w.WriteNumber("confidence", asStored ? v.Confidence : AttackValueForExport(v.Confidence, AttackMetric.Confidence));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("results");
        foreach (var key in CurveKeys)
        {
            if (attack?.Results.TryGetValue(key, out var curve) != true) continue;
            w.WriteStartArray(key);
            foreach (var c in curve!)
            {
                w.WriteStartObject();
                int digits = asStored ? AsStored : 3;
                w.WriteNumber("threshold", Round(c.Threshold, digits));
                w.WriteNumber("fpr", Round(c.Fpr, digits));
                w.WriteNumber("fnr", Round(c.Fnr, digits));
                w.WriteNumber("attack_score", Round(c.AttackScore, digits));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// An attack value as exported: rounded to <see cref="AttackValueDigits"/> decimals, unless rounding would move it
    /// onto or across one of the metric's thresholds (docs/metrics.md, "Attack-score curve"), in which case it is
    /// written unrounded. The stored curves are computed from unrounded values; a value that changed sides would
    /// change a recomputed FPR or FNR by 1/200 (docs/results-format.md, "Export"). Keeping every value's side of
    /// every threshold (strictly, so the attack view's "equal to τ" cases stay too) makes the file's curves follow
    /// from its values up to their 3-dp rounding.
    /// </summary>
    public static double AttackValueForExport(double value, AttackMetric metric)
    {
        if (!double.IsFinite(value)) return value;
        double rounded = Math.Round(value, AttackValueDigits);
        var (lo, hi) = AttackScore.Range(metric);
        foreach (var tau in AttackScore.Thresholds(lo, hi))
            if (Math.Sign(value.CompareTo(tau)) != Math.Sign(rounded.CompareTo(tau))) return value;
        return rounded;
    }

    private static void Features(Utf8JsonWriter w, float[][] features)
    {
        w.WriteStartArray("features");
        foreach (var row in features)
        {
            w.WriteStartArray();
            foreach (var f in row) w.WriteNumberValue(f);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private static void NumberOrNA(Utf8JsonWriter w, string key, double? value, int digits)
    {
        if (value is double v && double.IsFinite(v)) w.WriteNumber(key, Round(v, digits));
        else w.WriteString(key, "N/A");
    }

    private static void Array(Utf8JsonWriter w, string key, double[] values, int digits)
    {
        w.WriteStartArray(key);
        foreach (var v in values) w.WriteNumberValue(Round(v, digits));
        w.WriteEndArray();
    }

    private static void Dist(Utf8JsonWriter w, string key, double[][] rows, int digits)
    {
        w.WriteStartObject(key);
        for (int i = 0; i < rows.Length; i++) Array(w, $"gt_{i}", rows[i], digits);
        w.WriteEndObject();
    }

    private static void Matrix(Utf8JsonWriter w, string key, double[][] m, int digits)
    {
        w.WriteStartArray(key);
        foreach (var row in m)
        {
            w.WriteStartArray();
            foreach (var v in row) w.WriteNumberValue(Round(v, digits));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private static void Cka(Utf8JsonWriter w, string key, CkaResult? c, int digits)
    {
        if (c is null) { w.WriteNull(key); return; }
        w.WriteStartObject(key);
        w.WriteStartArray("layers");
        foreach (var l in c.Layers) w.WriteStringValue(l);
        w.WriteEndArray();
        foreach (var (name, split) in new[] { ("train", c.Train), ("test", c.Test) })
        {
            w.WriteStartObject(name);
            Matrix(w, "forget_class", split.ForgetClass, digits);
            Matrix(w, "other_classes", split.OtherClasses, digits);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>What an imported file holds: the row's scalars, the results document and what else the file said.</summary>
    public sealed record Imported(Experiment Experiment, ExperimentResults Results, string OriginalId, ImportedFile File)
    {
        /// <summary>The file's <c>ForgetSet</c> (ours; null in the original's files).</summary>
        public ForgetSetInFile? ForgetSet { get; init; }
    }

    /// <summary>The <c>ForgetSet</c> key of an export (docs/results-format.md, "Forget set and gap").</summary>
    public sealed record ForgetSetInFile(string Id, ForgetSetKind Kind, string? Name, int Size, int? Class, int? Count, double? Percent, long? Seed,
        bool Stratified, int[]? Indexes);

    private static void WriteForgetSet(Utf8JsonWriter w, ForgetSetInFile s)
    {
        w.WriteStartObject("ForgetSet");
        w.WriteString("id", s.Id);
        w.WriteString("kind", s.Kind.ToString());
        if (s.Name is not null) w.WriteString("name", s.Name);
        w.WriteNumber("size", s.Size);
        if (s.Class is { } c) w.WriteNumber("class", c);
        if (s.Count is { } n) w.WriteNumber("count", n);
        if (s.Percent is { } p) w.WriteNumber("percent", p);
        if (s.Seed is { } seed) w.WriteNumber("seed", seed);
        if (s.Kind == ForgetSetKind.Random) w.WriteBoolean("stratified", s.Stratified);
        if (s.Indexes is { } indexes)
        {
            w.WriteStartArray("indexes");
            foreach (var i in indexes) w.WriteNumberValue(i);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Our <c>References</c> key (docs/results-format.md, "Stale results"): the fingerprints of the Original and Retrained
    /// checkpoints the row was measured against, and whether it is stale on the exporting server. Written only for a row
    /// that recorded a reference or is stale (baselines and rows whose references are unknown have none).
    /// </summary>
    private static void WriteReferences(Utf8JsonWriter w, Experiment e, StaleStatus? stale)
    {
        bool isStale = stale?.IsStale ?? false;
        if (e.ReferenceOriginalSha256 is null && e.ReferenceRetrainedSha256 is null && !isStale) return;
        w.WriteStartObject(ReferencesKey);
        if (e.ReferenceOriginalSha256 is { } o) w.WriteString("original", o); else w.WriteNull("original");
        if (e.ReferenceRetrainedSha256 is { } r) w.WriteString("retrained", r); else w.WriteNull("retrained");
        w.WriteBoolean("stale", isStale);
        if (isStale && stale!.Reason is { } reason) w.WriteString("staleReason", reason); else w.WriteNull("staleReason");
        w.WriteEndObject();
    }

    /// <summary>Longest <c>References.staleReason</c> read (it is checked, not kept: staleness is decided on this server).</summary>
    public const int MaxStaleReasonLength = 2000;

    /// <summary>
    /// Reads a file's <c>References</c> (docs/results-format.md, "Stale results"): an object whose <c>original</c> and
    /// <c>retrained</c> are null or a SHA-256 in hex (64 characters; stored lower-case), with an optional boolean
    /// <c>stale</c> and text <c>staleReason</c>, which are checked but not kept (this server decides staleness against its
    /// own baselines). Absent or null: unknown references.
    /// </summary>
    internal static (string? Original, string? Retrained) ReferencesIn(JsonElement root)
    {
        if (!root.TryGetProperty(ReferencesKey, out var o) || o.ValueKind == JsonValueKind.Null) return (null, null);
        if (o.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{ReferencesKey} must be an object {{original, retrained, stale, staleReason}}.");
        foreach (var p in o.EnumerateObject())
            if (p.Name is not ("original" or "retrained" or "stale" or "staleReason"))
                throw new InvalidDataException($"{ReferencesKey} has the key '{(p.Name.Length > 40 ? p.Name[..40] + "…" : p.Name)}'; its keys are original, retrained, stale and staleReason.");
        string? Sha(string key)
        {
            if (!o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind == JsonValueKind.String && v.GetString() is { Length: 64 } t && t.All(Uri.IsHexDigit)
                ? t.ToLowerInvariant()
                : throw new InvalidDataException($"{ReferencesKey}.{key} must be null or a SHA-256 fingerprint (64 hexadecimal characters).");
        }
        if (o.TryGetProperty("stale", out var st) && st.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            throw new InvalidDataException($"{ReferencesKey}.stale must be true, false or null.");
        if (o.TryGetProperty("staleReason", out var sr) && sr.ValueKind != JsonValueKind.Null
            && (sr.ValueKind != JsonValueKind.String || sr.GetString()!.Length > MaxStaleReasonLength))
            throw new InvalidDataException($"{ReferencesKey}.staleReason must be null or a string of at most {MaxStaleReasonLength} characters.");
        return (Sha("original"), Sha("retrained"));
    }

    /// <summary>Reads a file's <c>ForgetSet</c> (shape and bounds only; <see cref="ExperimentTransfer"/> checks it against the dataset).</summary>
    private static ForgetSetInFile? ForgetSetIn(JsonElement root)
    {
        if (!root.TryGetProperty("ForgetSet", out var o) || o.ValueKind == JsonValueKind.Null) return null;
        if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException("ForgetSet must be an object.");
        string Text(string key, int max) => o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { } t && t.Length <= max
            ? t : throw new InvalidDataException($"ForgetSet.{key} must be a string of at most {max} characters.");
        double? Num(string key) => !o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new InvalidDataException($"ForgetSet.{key} must be a number.");
        var kind = Enum.TryParse<ForgetSetKind>(Text("kind", 20), ignoreCase: false, out var k) && Enum.IsDefined(k)
            ? k : throw new InvalidDataException("ForgetSet.kind must be Class, Random, SubClass or IndexList.");
        int[]? indexes = null;
        if (o.TryGetProperty("indexes", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxForgetSetIndexes)
                throw new InvalidDataException($"ForgetSet.indexes must be an array of at most {MaxForgetSetIndexes:N0} train indexes.");
            indexes = [.. list.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var i)
                ? i : throw new InvalidDataException("ForgetSet.indexes must hold whole numbers."))];
        }
        return new ForgetSetInFile(Text("id", 40), kind, o.TryGetProperty("name", out _) ? Text("name", 120) : null,
            Num("size") is double size ? CheckedInt(size, "ForgetSet.size") : indexes?.Length ?? 0,
            Num("class") is double c ? CheckedInt(c, "ForgetSet.class") : null, Num("count") is double n ? CheckedInt(n, "ForgetSet.count") : null,
            Num("percent"), Num("seed") is double seed ? (long)seed : null,
            o.TryGetProperty("stratified", out var st) && st.ValueKind == JsonValueKind.True, indexes);
    }

    /// <summary>
    /// Parses and validates a file in the original format (ours or the Python tool's). Every problem is an
    /// <see cref="InvalidDataException"/> naming the key and the expected shape. Dataset and architecture come
    /// from the file's own keys when present, else from the arguments (the Python tool only knows CIFAR-10 /
    /// ResNet-18). Reading is bounded before anything is materialised: at most <see cref="ExperimentTransfer.MaxImportBytes"/>
    /// bytes are read, JSON nesting is limited to <see cref="ImportSchema.MaxDepth"/>, and array lengths are checked
    /// before their elements are read; keys the import does not read are bounded (<see cref="ImportSchema.CheckExtraKey"/>)
    /// before they are copied; <see cref="ImportSchema.Validate"/> checks the values.
    /// </summary>
    public static Imported Import(Stream input, string defaultDataset, string defaultArchitecture, int numClasses)
    {
        try { return ImportUnchecked(input, defaultDataset, defaultArchitecture, numClasses); }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"The file does not have the expected shape: {e.Message}", e);
        }
    }

    private static Imported ImportUnchecked(Stream input, string defaultDataset, string defaultArchitecture, int numClasses)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(ImportSchema.Bounded(input, ExperimentTransfer.MaxImportBytes), new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = ImportSchema.MaxDepth }); }
        catch (JsonException e) { throw new InvalidDataException($"The file is not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("The file must hold one JSON object.");
            var missing = RequiredKeys.Where(k => !root.TryGetProperty(k, out _)).ToList();
            if (missing.Count > 0) throw new InvalidDataException($"Missing key(s): {string.Join(", ", missing)}.");
            var file = FileKeys(root);

            var dataset = root.TryGetProperty("Dataset", out var ds) && ds.ValueKind == JsonValueKind.String ? ds.GetString()! : defaultDataset;
            var arch = root.TryGetProperty("Architecture", out var ar) && ar.ValueKind == JsonValueKind.String ? ar.GetString()! : defaultArchitecture;
            int fc = OptionalNumber(root, "FC") is double f ? CheckedInt(f, "FC") : -1;
            if (fc < -1 || fc >= numClasses) throw new InvalidDataException($"FC = {fc} is outside −1..{numClasses - 1}.");
            var typeName = root.GetProperty("Type").GetString() ?? "";
            var type = typeName switch
            {
                "Original" => ExperimentType.Original,
                "Retrained" => ExperimentType.Retrained,
                "Unlearned" => ExperimentType.Unlearned,
                "Pretrained" => ExperimentType.Uploaded,
                _ => throw new InvalidDataException($"Type '{typeName}' is not Original, Retrained, Unlearned or Pretrained."),
            };
            var method = root.GetProperty("Method").ValueKind == JsonValueKind.String ? root.GetProperty("Method").GetString() : null;
            if (method == "N/A") method = null;
            if (method is not null && FileToStored.TryGetValue(method, out var stored)) method = stored;
            if (type == ExperimentType.Unlearned && method == "Custom") type = ExperimentType.Uploaded;

            var r = new ExperimentResults
            {
                Accs = Vector(root, "accs", numClasses),
                TAccs = Vector(root, "t_accs", numClasses),
                LabelDist = DistIn(root, "label_dist", numClasses),
                ConfDist = DistIn(root, "conf_dist", numClasses),
                TLabelDist = DistIn(root, "t_label_dist", numClasses),
                TConfDist = DistIn(root, "t_conf_dist", numClasses),
                Cka = CkaIn(root, "cka"),
                CkaRetrain = CkaIn(root, "cka_retrain"),
                Points = PointsIn(root.GetProperty("points"), numClasses),
                Attack = AttackIn(root.GetProperty("attack")),
            };
            int? epochs = OptionalNumber(root, "Epoch") is double epochCount ? CheckedInt(epochCount, "Epoch") : null;
            r.EpochMetrics = EpochMetricsIn(root, epochs);
            var ourPs = root.TryGetProperty("PS", out _) ? Unit(root, "PS") : null;
            var baseId = root.GetProperty("Base").ValueKind == JsonValueKind.String ? root.GetProperty("Base").GetString() : null;
            var e = new Experiment
            {
                Id = root.GetProperty("ID").GetString() is { Length: > 0 } id ? id : throw new InvalidDataException("ID must be a non-empty string."),
                Dataset = dataset, Architecture = arch, ForgetClass = fc, Type = type,
                BaseId = baseId is null or "N/A" ? null : baseId, Method = method,
                Epochs = epochs,
                BatchSize = OptionalNumber(root, "BS") is double bs ? CheckedInt(bs, "BS") : null,
                LearningRate = OptionalNumber(root, "LR"),
                UA = Unit(root, "UA"), RA = Unit(root, "RA"), TUA = Unit(root, "TUA"), TRA = Unit(root, "TRA"),
                // FQS, or our "PS" where FQS is "N/A" (the Original's, docs/results-format.md, "Export").
                RT = OptionalNumber(root, "RTE"), PS = Unit(root, "FQS") ?? ourPs,
                MIA = root.TryGetProperty("MIA", out _) ? Unit(root, "MIA") : null,
                RetainMia = root.TryGetProperty("MIA_R", out _) ? Unit(root, "MIA_R") : null,
                CreatedUtc = DateTime.TryParseExact(root.GetProperty("CreatedAt").GetString(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created) ? created : DateTime.UtcNow,
                Status = ExperimentStatus.Ready,
            };
            (e.ReferenceOriginalSha256, e.ReferenceRetrainedSha256) = ReferencesIn(root);
            file.Type = typeName;
            return new Imported(e, r, e.Id, file) { ForgetSet = ForgetSetIn(root) };
        }
    }

    /// <summary>
    /// The file's keys in order, and a bounded copy of the values of those the import does not read
    /// (<see cref="KnownKeys"/> are read; anything else is kept to be written back). A key may appear once.
    /// </summary>
    private static ImportedFile FileKeys(JsonElement root)
    {
        var file = new ImportedFile();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long extraBytes = 0;
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw new InvalidDataException($"Key '{(property.Name.Length > 40 ? property.Name[..40] + "…" : property.Name)}' appears more than once.");
            if (System.Array.IndexOf(KnownKeys, property.Name) < 0)
            {
                extraBytes = ImportSchema.CheckExtraKey(property.Name, property.Value, file.Extras.Count, extraBytes);
                file.Extras[property.Name] = property.Value.Clone();
            }
            file.Keys.Add(property.Name);
        }
        return file;
    }

    /// <summary>
    /// Reads a file's <c>epoch_metrics</c> (docs/results-format.md, "Import"): an object with exactly the original's seven keys, each an
    /// array of the same length (at most <see cref="ImportSchema.MaxEpochMetricsEntries"/>, checked before the elements are read), equal
    /// to Epoch + 1 when the file states its epochs; each entry a number in [0, 1], or null / "N/A". Absent or null: none.
    /// </summary>
    private static EpochMetrics? EpochMetricsIn(JsonElement root, int? epochs)
    {
        const string name = EpochMetrics.FileKey;
        if (!root.TryGetProperty(name, out var o) || o.ValueKind == JsonValueKind.Null) return null;
        if (o.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{name} must be an object with the arrays {string.Join(", ", EpochMetrics.Keys)}.");
        foreach (var p in o.EnumerateObject())
            if (!EpochMetrics.Keys.Contains(p.Name))
                throw new InvalidDataException($"{name} has the key '{(p.Name.Length > 40 ? p.Name[..40] + "…" : p.Name)}'; its keys are {string.Join(", ", EpochMetrics.Keys)}.");
        var metrics = new EpochMetrics();
        int? length = null;
        foreach (var key in EpochMetrics.Keys)
        {
            if (!o.TryGetProperty(key, out var a) || a.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{name}.{key} is missing or not an array.");
            int n = a.GetArrayLength();
            if (n == 0 || n > ImportSchema.MaxEpochMetricsEntries)
                throw new InvalidDataException($"{name}.{key} must hold 1–{ImportSchema.MaxEpochMetricsEntries} entries; it holds {n:N0}.");
            if (length is int expected && n != expected)
                throw new InvalidDataException($"{name}.{key} has {n} entries but {name}.{EpochMetrics.Keys[0]} has {expected}; every series has one entry per epoch and one before training.");
            if (length is null && epochs is int e && n != e + 1)
                throw new InvalidDataException($"{name}.{key} has {n} entries; with Epoch = {e} it must have {e + 1} (epoch 0 before training, then one per epoch).");
            length = n;
            var series = metrics.Series(key);
            int i = 0;
            foreach (var v in a.EnumerateArray())
            {
                series.Add(v.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String when v.GetString() == "N/A" => null,
                    JsonValueKind.Number when v.GetDouble() is var d && double.IsFinite(d) && d is >= 0 and <= 1 => d,
                    _ => throw new InvalidDataException($"{name}.{key}[{i}] = {Shown(v)} must be a number in [0, 1], null or \"N/A\"."),
                });
                i++;
            }
        }
        return metrics;

        static string Shown(JsonElement v)
        {
            var raw = v.GetRawText();
            return raw.Length > 40 ? raw[..40] + "…" : raw;
        }
    }

    private static int CheckedInt(double v, string key) =>
        v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InvalidDataException($"{key} = {v} must be a whole number.");

    private static double? OptionalNumber(JsonElement root, string key)
    {
        var el = root.GetProperty(key);
        return el.ValueKind switch
        {
            JsonValueKind.Number => el.GetDouble(),
            JsonValueKind.String when el.GetString() == "N/A" => null,
            JsonValueKind.Null => null,
            _ => throw new InvalidDataException($"{key} must be a number or \"N/A\"; got {el.ValueKind}."),
        };
    }

    private static double? Unit(JsonElement root, string key)
    {
        var v = OptionalNumber(root, key);
        if (v is double d && (d < 0 || d > 1)) throw new InvalidDataException($"{key} = {d} must be in [0, 1].");
        return v;
    }

    private static double[] Vector(JsonElement el, string key, int length)
    {
        var a = el.GetProperty(key);
        if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != length)
            throw new InvalidDataException($"{key} must be an array of {length} numbers.");
        return [.. a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : throw new InvalidDataException($"{key} must hold numbers only."))];
    }

    private static double[][] DistIn(JsonElement root, string key, int k)
    {
        var o = root.GetProperty(key);
        if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{key} must be an object with keys gt_0..gt_{k - 1}.");
        return [.. Enumerable.Range(0, k).Select(i => o.TryGetProperty($"gt_{i}", out _) ? Vector(o, $"gt_{i}", k) : throw new InvalidDataException($"{key}.gt_{i} is missing."))];
    }

    private static double[][] MatrixIn(JsonElement o, string key, int n)
    {
        if (!o.TryGetProperty(key, out var m) || m.ValueKind != JsonValueKind.Array || m.GetArrayLength() != n)
            throw new InvalidDataException($"CKA matrix {key} must be {n}×{n}.");
        return [.. m.EnumerateArray().Select(row => row.ValueKind == JsonValueKind.Array && row.GetArrayLength() == n
            ? row.EnumerateArray().Select(x => x.GetDouble()).ToArray()
            : throw new InvalidDataException($"CKA matrix {key} must be {n}×{n}."))];
    }

    private static CkaResult? CkaIn(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var c) || c.ValueKind == JsonValueKind.Null) return null;
        if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{key} must be an object with layers, train and test.");
        if (layers.GetArrayLength() > ImportSchema.MaxCkaLayers) throw new InvalidDataException($"{key}.layers may hold at most {ImportSchema.MaxCkaLayers} names.");
        var names = layers.EnumerateArray().Select(l => l.GetString() ?? "").ToArray();
        CkaSplit Split(string s) => c.TryGetProperty(s, out var sp) && sp.ValueKind == JsonValueKind.Object
            ? new CkaSplit { ForgetClass = MatrixIn(sp, "forget_class", names.Length), OtherClasses = MatrixIn(sp, "other_classes", names.Length) }
            : throw new InvalidDataException($"{key}.{s} is missing.");
        return new CkaResult { Layers = names, Train = Split("train"), Test = Split("test") };
    }

    private static List<SubsetPoint> PointsIn(JsonElement points, int k)
    {
        if (points.ValueKind != JsonValueKind.Array) throw new InvalidDataException("points must be an array.");
        if (points.GetArrayLength() is 0 or > ImportSchema.MaxPoints)
            throw new InvalidDataException($"points must hold 1–{ImportSchema.MaxPoints:N0} entries; it holds {points.GetArrayLength():N0}.");
        var list = new List<SubsetPoint>(points.GetArrayLength());
        int i = 0;
        foreach (var p in points.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 7)
                throw new InvalidDataException($"points[{i}] must be [gt, pred, img, forget, x, y, {{class: prob}}].");
            var a = p.EnumerateArray().ToArray();
            var probs = new double[k];
            if (a[6].ValueKind != JsonValueKind.Object) throw new InvalidDataException($"points[{i}][6] must be an object of probabilities.");
            foreach (var prop in a[6].EnumerateObject())
            {
                if (!int.TryParse(prop.Name, out var c) || c < 0 || c >= k) throw new InvalidDataException($"points[{i}] has probability key '{prop.Name}' outside 0..{k - 1}.");
                probs[c] = prop.Value.GetDouble();
            }
            int gt = a[0].GetInt32(), pred = a[1].GetInt32();
            if (gt < 0 || gt >= k || pred < 0 || pred >= k) throw new InvalidDataException($"points[{i}] has a class outside 0..{k - 1}.");
            list.Add(new SubsetPoint { Gt = gt, Pred = pred, Img = a[2].GetInt32(), IsForget = a[3].GetInt32() == 1, X = a[4].GetDouble(), Y = a[5].GetDouble(), Probs = probs });
            i++;
        }
        return list;
    }

    private static AttackData AttackIn(JsonElement attack)
    {
        if (attack.ValueKind != JsonValueKind.Object || !attack.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("attack must be an object with values and results.");
        if (values.GetArrayLength() > ImportSchema.MaxAttackValues)
            throw new InvalidDataException($"attack.values may hold at most {ImportSchema.MaxAttackValues}; it holds {values.GetArrayLength():N0}.");
        var data = new AttackData
        {
            Values = [.. values.EnumerateArray().Select(v => new AttackValue(v.GetProperty("img").GetInt32(), v.GetProperty("entropy").GetDouble(), v.GetProperty("confidence").GetDouble()))],
        };
        if (attack.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in CurveKeys)
            {
                if (!results.TryGetProperty(key, out var curve)) continue;
                if (curve.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"attack.results.{key} must be an array.");
                if (curve.GetArrayLength() > ImportSchema.MaxCurvePoints) throw new InvalidDataException($"attack.results.{key} may hold at most {ImportSchema.MaxCurvePoints} points.");
                data.Results[key] = [.. curve.EnumerateArray().Select(c => new AttackCurvePoint(
                    c.GetProperty("threshold").GetDouble(), c.GetProperty("fpr").GetDouble(), c.GetProperty("fnr").GetDouble(), c.GetProperty("attack_score").GetDouble()))];
            }
        }
        return data;
    }
}
