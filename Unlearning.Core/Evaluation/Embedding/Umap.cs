namespace Unlearning.Core.Evaluation.Embedding;

/// <summary>UMAP parameters (docs/metrics.md, "Embedding (UMAP, aligned)": n_neighbors 9, min_dist 0.45, PCA init, Euclidean).</summary>
public sealed record UmapOptions
{
    /// <summary>Neighbourhood size k, the point itself included (umap-learn's n_neighbors).</summary>
    public int NeighborCount { get; init; } = 9;

    public double MinDist { get; init; } = 0.45;
    public double Spread { get; init; } = 1.0;

    /// <summary>SGD epochs; 0 picks <see cref="Umap.DefaultEpochs"/>.</summary>
    public int Epochs { get; init; }

    /// <summary>Negative samples per positive sample.</summary>
    public int NegativeSampleRate { get; init; } = 5;

    /// <summary>Initial learning rate α₀; α decays linearly to 0 over the epochs.</summary>
    public double LearningRate { get; init; } = 1.0;

    public int Seed { get; init; } = 42;

    /// <summary>Threads for the neighbour search and the layout; −1 = all cores. Output does not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Receives one line of stage timings after the embedding (the benchmark prints it); null = off.</summary>
    public Action<string>? StageTimings { get; init; }
}

/// <summary>
/// UMAP (McInnes, Healy &amp; Melville 2018) to 2-D, written from the paper's algorithm:
/// <list type="number">
/// <item>exact k-nearest neighbours (Euclidean);</item>
/// <item>per point ρᵢ = distance to the nearest other point, σᵢ by bisection so that
///   Σⱼ exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ) = log₂ k over the k − 1 neighbours; memberships wᵢⱼ = exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ);</item>
/// <item>fuzzy union W = A + Aᵀ − A∘Aᵀ;</item>
/// <item>low-dimensional similarity q(d) = 1/(1 + a·d^{2b}) with (a, b) fitted by least squares to
///   1 for d &lt; min_dist and exp(−(d − min_dist)/spread) beyond;</item>
/// <item>PCA initialisation rescaled to [0, 10];</item>
/// <item>SGD on the fuzzy cross-entropy with edge sampling proportional to wᵢⱼ, 5 negative samples per positive,
///   gradients clipped to ±4 and α decaying linearly; 500 epochs up to 10,000 points, as umap-learn.</item>
/// </list>
/// Deterministic by construction: every vertex owns its edges and its own random stream, and within an epoch it
/// moves against the positions of the other vertices at the start of that epoch. So the result depends only on
/// the input and the seed, not on the thread count or scheduling. Because a vertex no longer drags its neighbour
/// along (umap-learn's <c>move_other</c>), its attractive step counts twice, as it would when both directions
/// of the symmetric edge move it.
/// </summary>
public static class Umap
{
    /// <summary>
    /// umap-learn's epoch count: 500 for up to 10,000 points, 200 beyond. With 200, trustworthiness (k = 10) of the
    /// 2,000-point subsets stayed 0.001–0.002 below umap-learn's for every seed tried (tools/umap_compare.py); with
    /// 500 it lies within umap-learn's own seed-to-seed range, at 0.82–0.85 s on the idle 2-core machine.
    /// </summary>
    public static int DefaultEpochs(int n) => n <= 10_000 ? 500 : 200;

    public static double[,] Embed(float[][] points, UmapOptions? options = null, CancellationToken cancellationToken = default) =>
        Embed(PointDistances.Flatten(points, out int n, out int d), n, d, options, cancellationToken);

    public static double[,] Embed(double[,] points, UmapOptions? options = null, CancellationToken cancellationToken = default) =>
        Embed(PointDistances.Flatten(points, out int n, out int d), n, d, options, cancellationToken);

    /// <summary>Embeds <paramref name="n"/> row-major points of dimension <paramref name="d"/>; returns n × 2.</summary>
    public static double[,] Embed(float[] data, int n, int d, UmapOptions? options = null, CancellationToken cancellationToken = default)
    {
        var o = options ?? new UmapOptions();
        if (data.Length != (long)n * d) throw new ArgumentException("Data length must be n·d.", nameof(data));
        if (n < 2) throw new ArgumentException("Need at least two points.", nameof(n));
        if (o.NeighborCount < 2) throw new ArgumentOutOfRangeException(nameof(options), "NeighborCount must be at least 2.");
        if (!(o.MinDist >= 0) || !(o.Spread > 0) || o.MinDist > o.Spread * 3) throw new ArgumentOutOfRangeException(nameof(options), "Need 0 ≤ min_dist and spread > 0.");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        int k = Math.Min(o.NeighborCount, n);
        int epochs = o.Epochs > 0 ? o.Epochs : DefaultEpochs(n);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (indices, distances) = PointDistances.Nearest(data, n, d, k, parallel);
        var t1 = sw.Elapsed.TotalSeconds;
        var graph = FuzzyGraph(indices, distances, n, k, epochs);
        var t2 = sw.Elapsed.TotalSeconds;
        var (a, b) = FitCurve(o.MinDist, o.Spread);
        var t3 = sw.Elapsed.TotalSeconds;
        var embedding = PcaInit(data, n, d, o.Seed, parallel);
        var t4 = sw.Elapsed.TotalSeconds;
        Optimise(embedding, graph, n, epochs, a, b, o, parallel);
        var t5 = sw.Elapsed.TotalSeconds;
        o.StageTimings?.Invoke($"kNN {t1:F3} s, graph {t2 - t1:F3} s, a/b fit {t3 - t2:F3} s (a={a:F4} b={b:F4}), PCA {t4 - t3:F3} s, SGD {t5 - t4:F3} s ({epochs} epochs, {graph.Tail.Length} directed edges)");

        var result = new double[n, 2];
        for (int i = 0; i < n; i++)
        {
            result[i, 0] = embedding[2 * i];
            result[i, 1] = embedding[2 * i + 1];
        }
        return result;
    }

    /// <summary>Directed edges sorted by head (CSR), both directions of every symmetric edge.</summary>
    internal sealed record Graph(int[] RowStart, int[] Tail, double[] EpochsPerSample);

    /// <summary>Smooth-kNN memberships, fuzzy union, pruning of edges sampled less than once.</summary>
    internal static Graph FuzzyGraph(int[] indices, double[] distances, int n, int k, int epochs)
    {
        var directed = new double[n * k];
        double target = Math.Log2(k);
        double meanAll = distances.Average();
        for (int i = 0; i < n; i++)
        {
            var row = distances.AsSpan(i * k, k);
            double rho = 0;
            for (int m = 1; m < k; m++) if (row[m] > 0) { rho = row[m]; break; }
            double lo = 0, hi = double.PositiveInfinity, sigma = 1;
            for (int iter = 0; iter < 64; iter++)
            {
                double sum = 0;
                for (int m = 1; m < k; m++)
                {
                    double gap = row[m] - rho;
                    sum += gap > 0 ? Math.Exp(-gap / sigma) : 1;
                }
                if (Math.Abs(sum - target) < 1e-5) break;
                if (sum > target) { hi = sigma; sigma = (lo + hi) / 2; }
                else { lo = sigma; sigma = double.IsPositiveInfinity(hi) ? sigma * 2 : (lo + hi) / 2; }
            }
            // Floor σ at 1e-3 of the mean neighbour distance (of this point, or of all if it has no non-zero one).
            double rowMean = 0;
            foreach (var v in row) rowMean += v;
            rowMean /= k;
            sigma = Math.Max(sigma, 1e-3 * (rho > 0 ? rowMean : meanAll));
            for (int m = 1; m < k; m++)
            {
                double gap = row[m] - rho;
                directed[i * k + m] = gap <= 0 ? 1 : Math.Exp(-gap / sigma);
            }
        }

        // Fuzzy union wᵢⱼ = aᵢⱼ + aⱼᵢ − aᵢⱼaⱼᵢ.
        var lookup = new Dictionary<long, double>(n * k);
        for (int i = 0; i < n; i++)
            for (int m = 1; m < k; m++)
                if (directed[i * k + m] > 0) lookup[(long)i * n + indices[i * k + m]] = directed[i * k + m];
        var edges = new List<(int Head, int Tail, double Weight)>(2 * n * k);
        foreach (var (key, aij) in lookup)
        {
            int i = (int)(key / n), j = (int)(key % n);
            lookup.TryGetValue((long)j * n + i, out double aji);
            double w = aij + aji - aij * aji;
            edges.Add((i, j, w));
            if (aji == 0) edges.Add((j, i, w));
        }
        edges.Sort((x, y) => x.Head != y.Head ? x.Head.CompareTo(y.Head) : x.Tail.CompareTo(y.Tail));

        double maxWeight = edges.Count == 0 ? 1 : edges.Max(e => e.Weight);
        var kept = edges.Where(e => e.Weight >= maxWeight / epochs).ToList();
        var rowStart = new int[n + 1];
        foreach (var e in kept) rowStart[e.Head + 1]++;
        for (int i = 0; i < n; i++) rowStart[i + 1] += rowStart[i];
        return new Graph(rowStart, kept.Select(e => e.Tail).ToArray(), kept.Select(e => maxWeight / e.Weight).ToArray());
    }

    /// <summary>
    /// Least-squares fit of q(d) = 1/(1 + a·d^{2b}) to the target 1 (d &lt; min_dist) / exp(−(d − min_dist)/spread)
    /// on 300 points of [0, 3·spread], by Levenberg–Marquardt from (a, b) = (1, 1).
    /// </summary>
    public static (double A, double B) FitCurve(double minDist, double spread)
    {
        const int points = 300;
        var x = new double[points];
        var y = new double[points];
        for (int i = 0; i < points; i++)
        {
            x[i] = 3 * spread * i / (points - 1);
            y[i] = x[i] < minDist ? 1 : Math.Exp(-(x[i] - minDist) / spread);
        }
        double Cost(double a, double b)
        {
            double c = 0;
            for (int i = 0; i < points; i++)
            {
                double r = 1 / (1 + a * Math.Pow(x[i], 2 * b)) - y[i];
                c += r * r;
            }
            return c;
        }
        double pa = 1, pb = 1, lambda = 1e-3, cost = Cost(pa, pb);
        for (int iter = 0; iter < 500; iter++)
        {
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (int i = 0; i < points; i++)
            {
                if (x[i] == 0) continue; // q(0) = 1 for all (a, b): no gradient
                double p = Math.Pow(x[i], 2 * pb);
                double q = 1 / (1 + pa * p);
                double r = q - y[i];
                double da = -p * q * q;
                double db = -pa * p * 2 * Math.Log(x[i]) * q * q;
                jaa += da * da; jab += da * db; jbb += db * db;
                ga += da * r; gb += db * r;
            }
            bool improved = false;
            while (lambda < 1e12)
            {
                double maa = jaa * (1 + lambda), mbb = jbb * (1 + lambda);
                double det = maa * mbb - jab * jab;
                double stepA = -(mbb * ga - jab * gb) / det;
                double stepB = -(maa * gb - jab * ga) / det;
                double na = pa + stepA, nb = pb + stepB;
                double newCost = na > 0 && nb > 0 ? Cost(na, nb) : double.PositiveInfinity;
                if (newCost < cost)
                {
                    improved = Math.Abs(cost - newCost) > 1e-15 * Math.Max(1, cost);
                    (pa, pb, cost) = (na, nb, newCost);
                    lambda = Math.Max(lambda / 10, 1e-12);
                    break;
                }
                lambda *= 10;
            }
            if (!improved) break;
        }
        return (pa, pb);
    }

    /// <summary>Top-2 principal components of the centred data, each rescaled to [0, 10], plus 1e-4 seeded jitter.</summary>
    internal static double[] PcaInit(float[] data, int n, int d, int seed, ParallelOptions parallel)
    {
        var (components, _) = Pca.TopComponents(data, n, d, 2, parallel);
        var embedding = new double[2 * n];
        var mean = Pca.Mean(data, n, d);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 2; c++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * components[c][j];
                embedding[2 * i + c] = s;
            }
        var random = new SplitMix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x1234567UL));
        for (int c = 0; c < 2; c++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < n; i++) { min = Math.Min(min, embedding[2 * i + c]); max = Math.Max(max, embedding[2 * i + c]); }
            double scale = max > min ? 10 / (max - min) : 0;
            for (int i = 0; i < n; i++)
                embedding[2 * i + c] = (embedding[2 * i + c] - min) * scale + 1e-4 * (random.NextDouble() - 0.5);
        }
        return embedding;
    }

    private static void Optimise(double[] embedding, Graph graph, int n, int epochs, double a, double b, UmapOptions o, ParallelOptions parallel)
    {
        int edgeCount = graph.Tail.Length;
        var epochsPerSample = graph.EpochsPerSample;
        var epochsPerNegative = epochsPerSample.Select(e => e / o.NegativeSampleRate).ToArray();
        var nextSample = (double[])epochsPerSample.Clone();
        var nextNegative = (double[])epochsPerNegative.Clone();
        var states = new ulong[n];
        var seeder = new SplitMix(unchecked((ulong)o.Seed ^ 0xD1B54A32D192ED03UL));
        for (int i = 0; i < n; i++) states[i] = seeder.Next() | 1;
        var snapshot = new double[2 * n];
        double twoAB = 2 * a * b, twoB = 2 * b;
        float bf = (float)b;

        // Vertices are split into a few fixed blocks; any split gives the same result (see class summary).
        int blocks = Math.Max(1, Math.Min(n, 4 * Environment.ProcessorCount));
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            parallel.CancellationToken.ThrowIfCancellationRequested();
            Array.Copy(embedding, snapshot, 2 * n);
            double alpha = o.LearningRate * (1 - (double)epoch / epochs);
            int current = epoch;
            Parallel.For(0, blocks, parallel, block =>
            {
                int from = (int)((long)n * block / blocks), to = (int)((long)n * (block + 1) / blocks);
                for (int i = from; i < to; i++)
                {
                    double xi = embedding[2 * i], yi = embedding[2 * i + 1];
                    ulong state = states[i];
                    for (int e = graph.RowStart[i]; e < graph.RowStart[i + 1]; e++)
                    {
                        if (nextSample[e] > current) continue;
                        int j = graph.Tail[e];
                        double dx = xi - snapshot[2 * j], dy = yi - snapshot[2 * j + 1];
                        double d2 = dx * dx + dy * dy;
                        if (d2 > 0)
                        {
                            double pw = MathF.Pow((float)d2, bf);
                            double coef = -twoAB * pw / d2 / (a * pw + 1);
                            xi += 2 * alpha * Clip(coef * dx);
                            yi += 2 * alpha * Clip(coef * dy);
                        }
                        nextSample[e] += epochsPerSample[e];

                        int negatives = (int)((current - nextNegative[e]) / epochsPerNegative[e]);
                        for (int s = 0; s < negatives; s++)
                        {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                            int m = (int)(((state >> 32) * (ulong)n) >> 32);
                            if (m == i) continue;
                            double rx = xi - snapshot[2 * m], ry = yi - snapshot[2 * m + 1];
                            double r2 = rx * rx + ry * ry;
                            if (r2 <= 0) continue;
                            double coef = twoB / ((0.001 + r2) * (a * MathF.Pow((float)r2, bf) + 1));
                            xi += alpha * Clip(coef * rx);
                            yi += alpha * Clip(coef * ry);
                        }
                        nextNegative[e] += negatives * epochsPerNegative[e];
                    }
                    embedding[2 * i] = xi;
                    embedding[2 * i + 1] = yi;
                    states[i] = state;
                }
            });
        }
    }

    private static double Clip(double v) => v > 4 ? 4 : v < -4 ? -4 : v;
}

/// <summary>SplitMix64: a small seeded generator for initial jitter and per-vertex stream seeds.</summary>
internal struct SplitMix(ulong state)
{
    private ulong _state = state;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
