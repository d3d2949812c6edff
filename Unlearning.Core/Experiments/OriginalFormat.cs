using System.Globalization;
using System.Text;
using System.Text.Json;
using Unlearning.Core.Evaluation;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Export and import in the original system's result format: the same keys in the same order,
/// shapes and meanings, rounded as the original rounds (3 dp for metrics, 2 dp for positions and attack values;
/// probability dicts keep entries &gt; 0.001). <c>FQS</c> holds our privacy score PS. "N/A" stands for missing
/// values. Two keys are added after the original's: <c>Dataset</c> and <c>Architecture</c> (ignored by the
/// Python tool), and <c>features</c> (2,000 × d) on request.
/// </summary>
public static class OriginalFormat
{
    public static readonly string[] RequiredKeys =
        ["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "RTE", "FQS",
         "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "points", "attack"];

    public static IReadOnlyList<string> CurveKeys => AttackData.CurveKeys;

    /// <summary>Method names as the original stores them; ours are the same except Upload ("Custom").</summary>
    public static string TypeName(Experiment e) => e.Type switch
    {
        ExperimentType.Original => "Original",
        ExperimentType.Retrained => "Retrained",
        ExperimentType.Uploaded when e.ForgetClass < 0 => "Pretrained",
        _ => "Unlearned",
    };

    public static void Export(Stream output, Experiment e, ExperimentResults r, float[][]? features = null)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        // Baselines get the original's fixed timestamps (they sort first); others their creation time (UTC).
        w.WriteString("CreatedAt", e.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        w.WriteString("ID", ExperimentIds.Display(e.Id));
        if (e.ForgetClass >= 0) w.WriteNumber("FC", e.ForgetClass); else w.WriteString("FC", "N/A");
        w.WriteString("Type", TypeName(e));
        w.WriteString("Base", e.BaseId is null ? "N/A" : ExperimentIds.Display(e.BaseId));
        w.WriteString("Method", e.IsBaseline || e.Method is null ? "N/A" : e.Method);
        bool hasHyper = e.Type == ExperimentType.Unlearned;
        NumberOrNA(w, "Epoch", hasHyper ? e.Epochs : null, 0);
        NumberOrNA(w, "BS", hasHyper ? e.BatchSize : null, 0);
        NumberOrNA(w, "LR", hasHyper ? e.LearningRate : null, -1);
        NumberOrNA(w, "UA", e.ForgetClass >= 0 ? e.UA : null, 3);
        NumberOrNA(w, "RA", e.RA, 3);
        NumberOrNA(w, "TUA", e.ForgetClass >= 0 ? e.TUA : null, 3);
        NumberOrNA(w, "TRA", e.TRA, 3);
        NumberOrNA(w, "RTE", e.Type == ExperimentType.Original || e.Type == ExperimentType.Uploaded ? null : e.RT, 1);
        NumberOrNA(w, "FQS", e.PS is double ps ? Math.Clamp(ps, 0, 1) : null, 3);
        Array(w, "accs", r.Accs, 3);
        Dist(w, "label_dist", r.LabelDist);
        Dist(w, "conf_dist", r.ConfDist);
        Array(w, "t_accs", r.TAccs, 3);
        Dist(w, "t_label_dist", r.TLabelDist);
        Dist(w, "t_conf_dist", r.TConfDist);
        Cka(w, "cka", r.Cka);
        Cka(w, "cka_retrain", r.CkaRetrain);
        w.WriteStartArray("points");
        foreach (var p in r.Points)
        {
            w.WriteStartArray();
            w.WriteNumberValue(p.Gt);
            w.WriteNumberValue(p.Pred);
            w.WriteNumberValue(p.Img);
            w.WriteNumberValue(p.IsForget ? 1 : 0);
            w.WriteNumberValue(Math.Round(p.X, 2));
            w.WriteNumberValue(Math.Round(p.Y, 2));
            w.WriteStartObject();
            for (int k = 0; k < p.Probs.Length; k++)
                if (p.Probs[k] > 0.001) w.WriteNumber(k.ToString(CultureInfo.InvariantCulture), Math.Round(p.Probs[k], 3));
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartObject("attack");
        w.WriteStartArray("values");
        foreach (var v in r.Attack?.Values ?? [])
        {
            w.WriteStartObject();
            w.WriteNumber("img", v.Img);
            w.WriteNumber("entropy", Math.Round(v.Entropy, 2));
            w.WriteNumber("confidence", Math.Round(v.Confidence, 2));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("results");
        foreach (var key in CurveKeys)
        {
            if (r.Attack?.Results.TryGetValue(key, out var curve) != true) continue;
            w.WriteStartArray(key);
            foreach (var c in curve!)
            {
                w.WriteStartObject();
                w.WriteNumber("threshold", Math.Round(c.Threshold, 3));
                w.WriteNumber("fpr", Math.Round(c.Fpr, 3));
                w.WriteNumber("fnr", Math.Round(c.Fnr, 3));
                w.WriteNumber("attack_score", Math.Round(c.AttackScore, 3));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("Dataset", e.Dataset);
        w.WriteString("Architecture", e.Architecture);
        if (features is not null)
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
        w.WriteEndObject();
    }

    private static void NumberOrNA(Utf8JsonWriter w, string key, double? value, int digits)
    {
        if (value is double v && double.IsFinite(v)) w.WriteNumber(key, digits >= 0 ? Math.Round(v, digits) : v);
        else w.WriteString(key, "N/A");
    }

    private static void Array(Utf8JsonWriter w, string key, double[] values, int digits)
    {
        w.WriteStartArray(key);
        foreach (var v in values) w.WriteNumberValue(Math.Round(v, digits));
        w.WriteEndArray();
    }

    private static void Dist(Utf8JsonWriter w, string key, double[][] rows)
    {
        w.WriteStartObject(key);
        for (int i = 0; i < rows.Length; i++) Array(w, $"gt_{i}", rows[i], 3);
        w.WriteEndObject();
    }

    private static void Matrix(Utf8JsonWriter w, string key, double[][] m)
    {
        w.WriteStartArray(key);
        foreach (var row in m)
        {
            w.WriteStartArray();
            foreach (var v in row) w.WriteNumberValue(Math.Round(v, 3));
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private static void Cka(Utf8JsonWriter w, string key, CkaResult? c)
    {
        if (c is null) { w.WriteNull(key); return; }
        w.WriteStartObject(key);
        w.WriteStartArray("layers");
        foreach (var l in c.Layers) w.WriteStringValue(l);
        w.WriteEndArray();
        foreach (var (name, split) in new[] { ("train", c.Train), ("test", c.Test) })
        {
            w.WriteStartObject(name);
            Matrix(w, "forget_class", split.ForgetClass);
            Matrix(w, "other_classes", split.OtherClasses);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>What an imported file holds: the row's scalars and the results document.</summary>
    public sealed record Imported(Experiment Experiment, ExperimentResults Results, string OriginalId);

    /// <summary>
    /// Parses and validates a file in the original format (ours or the Python tool's). Every problem is an
    /// <see cref="InvalidDataException"/> naming the key and the expected shape. Dataset and architecture come
    /// from the file's own keys when present, else from the arguments (the Python tool only knows CIFAR-10 /
    /// ResNet-18). Reading is bounded before anything is materialised: at most <see cref="ExperimentTransfer.MaxImportBytes"/>
    /// bytes are read, JSON nesting is limited to <see cref="ImportSchema.MaxDepth"/>, and array lengths are checked
    /// before their elements are read; <see cref="ImportSchema.Validate"/> checks the values.
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
            var baseId = root.GetProperty("Base").ValueKind == JsonValueKind.String ? root.GetProperty("Base").GetString() : null;
            var e = new Experiment
            {
                Id = root.GetProperty("ID").GetString() is { Length: > 0 } id ? id : throw new InvalidDataException("ID must be a non-empty string."),
                Dataset = dataset, Architecture = arch, ForgetClass = fc, Type = type,
                BaseId = baseId is null or "N/A" ? null : baseId, Method = method,
                Epochs = OptionalNumber(root, "Epoch") is double ep ? CheckedInt(ep, "Epoch") : null,
                BatchSize = OptionalNumber(root, "BS") is double bs ? CheckedInt(bs, "BS") : null,
                LearningRate = OptionalNumber(root, "LR"),
                UA = Unit(root, "UA"), RA = Unit(root, "RA"), TUA = Unit(root, "TUA"), TRA = Unit(root, "TRA"),
                RT = OptionalNumber(root, "RTE"), PS = Unit(root, "FQS"),
                CreatedUtc = DateTime.TryParseExact(root.GetProperty("CreatedAt").GetString(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created) ? created : DateTime.UtcNow,
                Status = ExperimentStatus.Ready,
            };
            return new Imported(e, r, e.Id);
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
