using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Unlearning.Core.Data;

/// <summary>
/// What a user asks for when making a forget set (docs/forget-sets.md, "Kinds"). Fields that do not apply to the
/// <see cref="Kind"/> are ignored.
/// </summary>
public sealed record ForgetSetRequest
{
    public ForgetSetKind Kind { get; init; }

    /// <summary>Class and SubClass: the class forgotten or drawn from.</summary>
    public int? Class { get; init; }

    /// <summary>Random and SubClass: the number of samples (give <see cref="Count"/> or <see cref="Percent"/>, not both).</summary>
    public int? Count { get; init; }

    /// <summary>Random: percent of the train set; SubClass: percent of the class; 0 &lt; p &lt; 100.</summary>
    public double? Percent { get; init; }

    /// <summary>Random and SubClass: the seed of the draw, ≥ 0.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Random only: per-class counts proportional to the class sizes (docs/forget-sets.md, "Random, stratified").</summary>
    public bool Stratified { get; init; } = true;

    /// <summary>IndexList: the train indexes.</summary>
    public int[]? Indexes { get; init; }

    /// <summary>IndexList: an optional name given by the user, cleaned by <see cref="ForgetSets.CleanLabel"/>.</summary>
    public string? Label { get; init; }
}

/// <summary>
/// Forget sets as train indexes: drawing them, their ids and names, and reading uploaded index lists
/// (docs/forget-sets.md). Everything here is deterministic and the same on every machine and .NET version:
/// the draws use their own PRNG (<see cref="SplitMix64"/>) rather than <see cref="Random"/>, whose seeded
/// algorithm .NET does not promise to keep.
/// </summary>
public static class ForgetSets
{
    public const string ClassPrefix = "class-";

    /// <summary>Largest accepted index list, in UTF-8 bytes (docs/forget-sets.md, "Index lists").</summary>
    public const int MaxIndexListBytes = 1_048_576;

    /// <summary>Longest user label of an index list, after cleaning.</summary>
    public const int MaxLabelLength = 60;

    /// <summary>The id of the class forget set of class <paramref name="c"/>: <c>class-{c}</c>.</summary>
    public static string ClassId(int c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        return ClassPrefix + c.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads a class forget-set id: exactly <c>class-</c> followed by a non-negative int written without sign or
    /// leading zeros, so that every class has one id and no other string maps to it.
    /// </summary>
    public static bool TryParseClassId(string? id, out int c)
    {
        c = -1;
        if (id is null || !id.StartsWith(ClassPrefix, StringComparison.Ordinal)) return false;
        var digits = id.AsSpan(ClassPrefix.Length);
        if (digits.Length == 0 || (digits.Length > 1 && digits[0] == '0')) return false;
        foreach (var ch in digits)
            if (ch is < '0' or > '9') return false;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return false;
        c = value;
        return true;
    }

    /// <summary>
    /// The train indexes of the forget set <paramref name="r"/> asks for, ascending and distinct
    /// (docs/forget-sets.md, "Drawing"). Throws <see cref="ArgumentException"/> with a message for the user when
    /// the request is invalid.
    /// </summary>
    /// <param name="trainLabels">The label of every train sample, each in 0..<paramref name="numClasses"/> − 1.</param>
    public static int[] Draw(ForgetSetRequest r, int[] trainLabels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        for (int i = 0; i < trainLabels.Length; i++)
            if (trainLabels[i] < 0 || trainLabels[i] >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(trainLabels), $"Train label {trainLabels[i]} at index {i} is outside 0..{numClasses - 1}.");
        int n = trainLabels.Length;

        switch (r.Kind)
        {
            case ForgetSetKind.Class:
            {
                int c = RequireClass(r, numClasses);
                var members = ClassMembers(trainLabels, c);
                if (members.Length == 0) throw new ArgumentException($"Class {c} has no train samples.");
                if (members.Length == n) throw new ArgumentException($"Class {c} holds every train sample; nothing would be left to retain.");
                return members;
            }
            case ForgetSetKind.Random:
            {
                RequireSeed(r);
                int count = RequireCount(r, n, "the train set", "train samples");
                var rng = new SplitMix64(r.Seed);
                int[] drawn;
                if (!r.Stratified)
                {
                    var all = new int[n];
                    for (int i = 0; i < n; i++) all[i] = i;
                    rng.Shuffle(all);
                    drawn = all[..count];
                }
                else
                {
                    var sizes = new int[numClasses];
                    foreach (var label in trainLabels) sizes[label]++;
                    var quota = StratifiedCounts(sizes, count);
                    drawn = new int[count];
                    int k = 0;
                    for (int c = 0; c < numClasses; c++)
                    {
                        if (quota[c] == 0) continue;
                        var members = ClassMembers(trainLabels, c);
                        rng.Shuffle(members);
                        Array.Copy(members, 0, drawn, k, quota[c]);
                        k += quota[c];
                    }
                }
                Array.Sort(drawn);
                return drawn;
            }
            case ForgetSetKind.SubClass:
            {
                int c = RequireClass(r, numClasses);
                RequireSeed(r);
                var members = ClassMembers(trainLabels, c);
                if (members.Length < 2)
                    throw new ArgumentException($"Class {c} has {members.Length} train sample{(members.Length == 1 ? "" : "s")}; drawing part of a class needs at least 2.");
                int count = RequireCount(r, members.Length, $"class {c}", $"samples of class {c}");
                new SplitMix64(r.Seed).Shuffle(members);
                var drawn = members[..count];
                Array.Sort(drawn);
                return drawn;
            }
            case ForgetSetKind.IndexList:
            {
                if (r.Indexes is null || r.Indexes.Length == 0) throw new ArgumentException("The index list is empty.");
                return CheckIndexes(r.Indexes.Select(i => (long)i).ToList(), n);
            }
            default:
                throw new ArgumentException($"Unknown forget set kind {r.Kind}.");
        }
    }

    /// <summary>
    /// Per-class counts for a stratified draw of <paramref name="count"/> samples (docs/forget-sets.md,
    /// "Random, stratified"): the largest-remainder (Hamilton) method on the quotas count·size_c / N, with ties
    /// going to the lower class index. Exact in integers: the remainders are compared as (count·size_c) mod N.
    /// </summary>
    public static int[] StratifiedCounts(int[] classSizes, int count)
    {
        ArgumentNullException.ThrowIfNull(classSizes);
        long total = 0;
        foreach (var s in classSizes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(s, nameof(classSizes));
            total += s;
        }
        if (count < 0 || count > total) throw new ArgumentOutOfRangeException(nameof(count), $"Count must be in 0..{total}.");
        var result = new int[classSizes.Length];
        if (count == 0) return result;
        var remainders = new long[classSizes.Length];
        long given = 0;
        for (int c = 0; c < classSizes.Length; c++)
        {
            long product = (long)count * classSizes[c];
            result[c] = (int)(product / total);
            remainders[c] = product % total;
            given += result[c];
        }
        // Stable order: larger remainder first, then lower class index.
        var order = Enumerable.Range(0, classSizes.Length).OrderByDescending(c => remainders[c]).ThenBy(c => c).ToArray();
        for (long i = 0; i < count - given; i++) result[order[i]]++;
        return result;
    }

    /// <summary>
    /// The id of a forget set (docs/forget-sets.md, "Ids"): for a sample set <c>s</c> + the first 10 lowercase hex
    /// digits of SHA-256 over the UTF-8 of <c>{dataset}:{kind}:{i1,i2,…}</c>, so the same draw has the same id on
    /// every server. A class set's id (<see cref="ClassId"/>) needs its class: use <see cref="IdFor(string, ForgetSetRequest, int[])"/>.
    /// </summary>
    /// <param name="sortedIndexes">The set's train indexes, ascending and distinct (as <see cref="Draw"/> returns them).</param>
    public static string IdFor(string dataset, ForgetSetKind kind, int[] sortedIndexes)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(sortedIndexes);
        if (kind == ForgetSetKind.Class)
            throw new ArgumentException("A class forget set's id is its class id (ForgetSets.ClassId); pass the request instead of the kind.", nameof(kind));
        for (int i = 1; i < sortedIndexes.Length; i++)
            if (sortedIndexes[i] <= sortedIndexes[i - 1])
                throw new ArgumentException("Indexes must be ascending and distinct.", nameof(sortedIndexes));
        var text = new StringBuilder(dataset.Length + 16 + sortedIndexes.Length * 6)
            .Append(dataset).Append(':').Append(kind.ToString()).Append(':')
            .AppendJoin(',', sortedIndexes.Select(i => i.ToString(CultureInfo.InvariantCulture)))
            .ToString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return "s" + Convert.ToHexStringLower(hash)[..10];
    }

    /// <summary>
    /// The id of the forget set <paramref name="r"/> made: <see cref="ClassId"/> of its class for a class set,
    /// otherwise <see cref="IdFor(string, ForgetSetKind, int[])"/>.
    /// </summary>
    public static string IdFor(string dataset, ForgetSetRequest r, int[] sortedIndexes)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.Kind == ForgetSetKind.Class)
            return ClassId(r.Class ?? throw new ArgumentException("A class forget set needs a class."));
        return IdFor(dataset, r.Kind, sortedIndexes);
    }

    /// <summary>
    /// The readable name of a forget set (docs/forget-sets.md, "Names"), e.g. "Shirt", "random 10 % · seed 1",
    /// "random 600 · seed 1 · unstratified", "200 of Shirt · seed 1", "list 'my list' (123)", "uploaded list (123)".
    /// </summary>
    /// <param name="size">The number of samples in the set (shown for index lists).</param>
    public static string Name(ForgetSetRequest r, int size, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(classNames);
        string ClassName(int? c) => c is { } k && k >= 0 && k < classNames.Count ? classNames[k] : $"class {c}";
        string Amount(int? count, double? percent) => percent is { } p
            ? p.ToString("0.###", CultureInfo.InvariantCulture) + " %"
            : (count ?? size).ToString(CultureInfo.InvariantCulture);
        string seed = "seed " + r.Seed.ToString(CultureInfo.InvariantCulture);
        return r.Kind switch
        {
            ForgetSetKind.Class => ClassName(r.Class),
            ForgetSetKind.Random => $"random {Amount(r.Count, r.Percent)} · {seed}" + (r.Stratified ? "" : " · unstratified"),
            ForgetSetKind.SubClass => $"{Amount(r.Count, r.Percent)} of {ClassName(r.Class)} · {seed}",
            ForgetSetKind.IndexList => CleanLabel(r.Label) is { } label
                ? $"list '{label}' ({size.ToString(CultureInfo.InvariantCulture)})"
                : $"uploaded list ({size.ToString(CultureInfo.InvariantCulture)})",
            _ => r.Kind.ToString(),
        };
    }

    /// <summary>
    /// A user's label for an index list made safe to show and store: only letters, digits, space and <c>-_.()</c>
    /// are kept, the result is trimmed and cut to <see cref="MaxLabelLength"/> characters; null when nothing is left.
    /// </summary>
    public static string? CleanLabel(string? label)
    {
        if (label is null) return null;
        var kept = new StringBuilder(label.Length);
        foreach (var ch in label)
            if (char.IsLetterOrDigit(ch) || ch is ' ' or '-' or '_' or '.' or '(' or ')') kept.Append(ch);
        var text = kept.ToString().Trim();
        if (text.Length > MaxLabelLength) text = text[..MaxLabelLength].TrimEnd();
        return text.Length == 0 ? null : text;
    }

    /// <summary>
    /// Reads an uploaded index list (docs/forget-sets.md, "Index lists"): CSV (numbers separated by commas,
    /// semicolons or whitespace, an optional one-word header line such as <c>index</c>) or JSON (an array of
    /// integers, or an object with an <c>indexes</c> or <c>indices</c> array). Returns the indexes ascending; throws
    /// <see cref="ArgumentException"/> naming the first offending value and its (1-based) position.
    /// </summary>
    public static int[] ParseIndexList(string text, int trainCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        if (text.Length > MaxIndexListBytes || Encoding.UTF8.GetByteCount(text) > MaxIndexListBytes)
            throw new ArgumentException($"The index list is larger than {MaxIndexListBytes / 1_048_576} MB ({MaxIndexListBytes} bytes), the most accepted.");
        var body = text.Trim().TrimStart('\uFEFF').Trim();
        if (body.Length == 0) throw new ArgumentException("The index list is empty.");
        var values = body[0] is '[' or '{' ? ReadJson(body, trainCount) : ReadCsv(body, trainCount);
        if (values.Count == 0) throw new ArgumentException("The index list is empty.");
        return CheckIndexes(values, trainCount);
    }

    private static List<long> ReadJson(string body, int trainCount)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The index list looks like JSON but cannot be read: {e.Message}");
        }
        using (doc)
        {
            var array = doc.RootElement;
            if (array.ValueKind == JsonValueKind.Object)
            {
                JsonElement? found = null;
                foreach (var p in array.EnumerateObject())
                    if (p.Name.Equals("indexes", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("indices", StringComparison.OrdinalIgnoreCase))
                    {
                        if (found is not null) throw new ArgumentException("The JSON object has more than one \"indexes\"/\"indices\" property.");
                        found = p.Value;
                    }
                array = found ?? throw new ArgumentException("The JSON object has no \"indexes\" (or \"indices\") array.");
            }
            if (array.ValueKind != JsonValueKind.Array)
                throw new ArgumentException("The JSON index list must be an array of integers, or an object with an \"indexes\" array.");
            var values = new List<long>(array.GetArrayLength());
            int position = 0;
            foreach (var item in array.EnumerateArray())
            {
                position++;
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v))
                {
                    var shown = item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText();
                    throw new ArgumentException(item.ValueKind == JsonValueKind.Number && IsWholeNumber(item.GetRawText())
                        ? OutOfRange(shown!, position, trainCount)
                        : $"In the index list, '{Shorten(shown)}' at position {position} is not an integer index.");
                }
                values.Add(v);
            }
            return values;
        }
    }

    private static readonly char[] Separators = [',', ';', ' ', '\t', '\r', '\n', '\f', '\v'];

    private static List<long> ReadCsv(string body, int trainCount)
    {
        // An optional header: a first line that is one word (e.g. "index", "idx", "train_index"), possibly quoted.
        int lineEnd = body.IndexOfAny(['\r', '\n']);
        var firstLine = (lineEnd < 0 ? body : body[..lineEnd]).Trim().Trim('"', '\'').Trim();
        if (IsHeaderWord(firstLine)) body = lineEnd < 0 ? "" : body[lineEnd..];

        var values = new List<long>();
        int position = 0;
        foreach (var raw in body.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            var token = raw.Length > 1 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1] : raw;
            position++;
            if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                values.Add(v);
            else if (IsWholeNumber(token))
                throw new ArgumentException(OutOfRange(token, position, trainCount));
            else
                throw new ArgumentException($"In the index list, '{Shorten(token)}' at position {position} is not an integer index.");
        }
        return values;
    }

    private static bool IsHeaderWord(string line)
    {
        if (line.Length == 0 || line.Length > 40 || !char.IsLetter(line[0])) return false;
        foreach (var ch in line)
            if (!(char.IsLetterOrDigit(ch) || ch is '_' or '-' or ' ')) return false;
        // "NaN" or "Infinity" is a bad value, not a header.
        return !double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    private static bool IsWholeNumber(string token)
    {
        var digits = token.AsSpan().TrimStart('-').TrimStart('+');
        if (digits.Length == 0) return false;
        foreach (var ch in digits)
            if (ch is < '0' or > '9') return false;
        return true;
    }

    private static string Shorten(string? token) => token is null ? "null" : token.Length <= 30 ? token : token[..30] + "…";

    private static string OutOfRange(string value, int position, int trainCount) =>
        $"In the index list, index {Shorten(value)} at position {position} is out of range 0..{trainCount - 1}.";

    /// <summary>The shared rules of an index list (docs/forget-sets.md, "Index lists"): each index in range, none twice, not every train sample.</summary>
    private static int[] CheckIndexes(IReadOnlyList<long> values, int trainCount)
    {
        var firstPosition = new Dictionary<long, int>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            long v = values[i];
            int position = i + 1;
            if (v < 0 || v >= trainCount)
                throw new ArgumentException(OutOfRange(v.ToString(CultureInfo.InvariantCulture), position, trainCount));
            if (!firstPosition.TryAdd(v, position))
                throw new ArgumentException($"In the index list, index {v} appears twice (positions {firstPosition[v]} and {position}).");
        }
        if (values.Count >= trainCount)
            throw new ArgumentException($"The index list covers all {trainCount} train samples; at least one must stay in the retain set.");
        var result = values.Select(v => (int)v).ToArray();
        Array.Sort(result);
        return result;
    }

    private static int RequireClass(ForgetSetRequest r, int numClasses)
    {
        if (r.Class is not { } c) throw new ArgumentException($"A {KindWords(r.Kind)} forget set needs a class.");
        if (c < 0 || c >= numClasses) throw new ArgumentException($"Class {c} is out of range: the dataset has classes 0..{numClasses - 1}.");
        return c;
    }

    private static void RequireSeed(ForgetSetRequest r)
    {
        if (r.Seed < 0) throw new ArgumentException($"Seed must be ≥ 0 (got {r.Seed}).");
    }

    /// <summary>
    /// The number of samples to draw out of <paramref name="available"/>: the count, or round(p/100 · available)
    /// (half away from zero) for a percentage; at least 1 and at most available − 1 so that something is left to retain.
    /// </summary>
    private static int RequireCount(ForgetSetRequest r, int available, string ofWhat, string samplesWord)
    {
        if (r.Count is not null && r.Percent is not null) throw new ArgumentException("Give either a count or a percentage, not both.");
        if (r.Count is null && r.Percent is null) throw new ArgumentException("Give a count or a percentage of samples to forget.");
        if (r.Count is { } count)
        {
            if (count <= 0) throw new ArgumentException($"The count must be at least 1 (got {count}).");
            if (count >= available)
                throw new ArgumentException($"The count {count} must be less than the {available} {samplesWord}, so that some stay in the retain set.");
            return count;
        }
        double p = r.Percent!.Value;
        if (double.IsNaN(p)) throw new ArgumentException("The percentage is not a number.");
        if (p <= 0 || p >= 100) throw new ArgumentException($"The percentage must be greater than 0 and less than 100 (got {p.ToString(CultureInfo.InvariantCulture)}).");
        int n = (int)Math.Round(p / 100.0 * available, MidpointRounding.AwayFromZero);
        if (n < 1)
            throw new ArgumentException($"{p.ToString(CultureInfo.InvariantCulture)} % of {ofWhat} ({available} samples) rounds to 0 samples; choose a larger percentage.");
        if (n >= available)
            throw new ArgumentException($"{p.ToString(CultureInfo.InvariantCulture)} % of {ofWhat} ({available} samples) rounds to all of them; choose a smaller percentage.");
        return n;
    }

    private static string KindWords(ForgetSetKind kind) => kind == ForgetSetKind.SubClass ? "sub-class" : kind.ToString().ToLowerInvariant();

    private static int[] ClassMembers(int[] labels, int c)
    {
        var members = new List<int>();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] == c) members.Add(i);
        return [.. members];
    }

    /// <summary>
    /// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), the
    /// generator of docs/forget-sets.md, "Generator: SplitMix64": state += 0x9E3779B97F4A7C15, then two xor-shift-multiply rounds.
    /// Fully specified in 64-bit integer arithmetic, so any language can reproduce a draw.
    /// </summary>
    internal sealed class SplitMix64(long seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public ulong Next()
        {
            unchecked
            {
                ulong z = _state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }

        /// <summary>
        /// An unbiased integer in 0..bound − 1 by rejection: values x ≥ 2⁶⁴ − (2⁶⁴ mod bound) are drawn again, the
        /// rest give x mod bound.
        /// </summary>
        public int NextBelow(int bound)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
            ulong b = (ulong)bound;
            ulong excess = (ulong.MaxValue % b + 1) % b; // 2⁶⁴ mod b
            ulong x;
            do x = Next();
            while (excess != 0 && x > ulong.MaxValue - excess);
            return (int)(x % b);
        }

        /// <summary>Fisher–Yates (Durstenfeld): for i = m − 1 down to 1, swap a[i] with a[j], j = NextBelow(i + 1).</summary>
        public void Shuffle(int[] a)
        {
            for (int i = a.Length - 1; i > 0; i--)
            {
                int j = NextBelow(i + 1);
                (a[i], a[j]) = (a[j], a[i]);
            }
        }
    }
}
