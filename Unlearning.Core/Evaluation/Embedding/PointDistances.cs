using System.Numerics;
using System.Runtime.InteropServices;

namespace Unlearning.Core.Evaluation.Embedding;

/// <summary>
/// Row-major point sets and exact Euclidean neighbour search shared by UMAP and trustworthiness. Each row's
/// result depends only on that row, so parallel runs give bit-identical output.
/// </summary>
internal static class PointDistances
{
    public static float[] Flatten(float[][] points, out int n, out int d)
    {
        n = points.Length;
        if (n == 0) throw new ArgumentException("No points.", nameof(points));
        d = points[0].Length;
        var flat = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            if (points[i].Length != d) throw new ArgumentException("All points must have the same dimension.", nameof(points));
            points[i].CopyTo(flat, i * d);
        }
        return flat;
    }

    public static float[] Flatten(double[,] points, out int n, out int d)
    {
        n = points.GetLength(0);
        d = points.GetLength(1);
        if (n == 0) throw new ArgumentException("No points.", nameof(points));
        var flat = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                flat[i * d + j] = (float)points[i, j];
        return flat;
    }

    /// <summary>
    /// Σ (xₖ − yₖ)², SIMD over float32 lanes with four independent accumulators (so the adds pipeline); the
    /// summation order is fixed, so the value does not depend on the caller or thread.
    /// </summary>
    public static float SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Spans must have the same length.");
        int width = Vector<float>.Count, k = 0, length = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (; k <= length - 4 * width; k += 4 * width)
        {
            var d0 = Vector.LoadUnsafe(ref xr, (nuint)k) - Vector.LoadUnsafe(ref yr, (nuint)k);
            var d1 = Vector.LoadUnsafe(ref xr, (nuint)(k + width)) - Vector.LoadUnsafe(ref yr, (nuint)(k + width));
            var d2 = Vector.LoadUnsafe(ref xr, (nuint)(k + 2 * width)) - Vector.LoadUnsafe(ref yr, (nuint)(k + 2 * width));
            var d3 = Vector.LoadUnsafe(ref xr, (nuint)(k + 3 * width)) - Vector.LoadUnsafe(ref yr, (nuint)(k + 3 * width));
            a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3;
        }
        for (; k <= length - width; k += width)
        {
            var d0 = Vector.LoadUnsafe(ref xr, (nuint)k) - Vector.LoadUnsafe(ref yr, (nuint)k);
            a0 += d0 * d0;
        }
        float sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (; k < length; k++)
        {
            float diff = x[k] - y[k];
            sum += diff * diff;
        }
        return sum;
    }

    /// <summary>Σ xₖyₖ, SIMD over float32 lanes with four accumulators, total in float64 (fixed order).</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Spans must have the same length.");
        int width = Vector<float>.Count, k = 0, length = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (; k <= length - 4 * width; k += 4 * width)
        {
            a0 += Vector.LoadUnsafe(ref xr, (nuint)k) * Vector.LoadUnsafe(ref yr, (nuint)k);
            a1 += Vector.LoadUnsafe(ref xr, (nuint)(k + width)) * Vector.LoadUnsafe(ref yr, (nuint)(k + width));
            a2 += Vector.LoadUnsafe(ref xr, (nuint)(k + 2 * width)) * Vector.LoadUnsafe(ref yr, (nuint)(k + 2 * width));
            a3 += Vector.LoadUnsafe(ref xr, (nuint)(k + 3 * width)) * Vector.LoadUnsafe(ref yr, (nuint)(k + 3 * width));
        }
        for (; k <= length - width; k += width) a0 += Vector.LoadUnsafe(ref xr, (nuint)k) * Vector.LoadUnsafe(ref yr, (nuint)k);
        double sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (; k < length; k++) sum += x[k] * y[k];
        return sum;
    }

    /// <summary>Rows per tile: a tile's rows stay in L1 while every other point streams past once.</summary>
    public const int Tile = 8;

    /// <summary>
    /// Squared distances from rows [<paramref name="first"/>, first + count) to every row, written row after row
    /// into <paramref name="into"/> (count × n). Each entry is computed by <see cref="SquaredDistance"/> alone.
    /// </summary>
    public static void Rows(float[] data, int n, int d, int first, int count, Span<float> into)
    {
        for (int j = 0; j < n; j++)
        {
            var xj = data.AsSpan(j * d, d);
            for (int t = 0; t < count; t++) into[t * n + j] = SquaredDistance(data.AsSpan((first + t) * d, d), xj);
        }
    }

    /// <summary>
    /// Exact k nearest neighbours of every row, the row itself first (distance 0), then the k − 1 nearest
    /// others in ascending distance (ties by index). Returns n × k index and Euclidean distance arrays.
    /// </summary>
    public static (int[] Indices, double[] Distances) Nearest(float[] data, int n, int d, int k, ParallelOptions parallel)
    {
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"Neighbour count must be in 1..{n}.");
        var indices = new int[n * k];
        var distances = new double[n * k];
        int tiles = (n + Tile - 1) / Tile;
        Parallel.For(0, tiles, parallel, () => new float[Tile * n], (tile, _, block) =>
        {
            int first = tile * Tile, count = Math.Min(Tile, n - first);
            Rows(data, n, d, first, count, block);
            var bestDistance = new float[k];
            for (int t = 0; t < count; t++)
            {
                int i = first + t;
                var row = block.AsSpan(t * n, n);
                var bestIndex = indices.AsSpan(i * k, k);
                bestIndex[0] = i;
                bestDistance[0] = 0;
                int filled = 1;
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    float v = row[j];
                    if (filled == k && v >= bestDistance[k - 1]) continue;
                    int pos = filled == k ? k - 1 : filled++;
                    while (pos > 1 && bestDistance[pos - 1] > v)
                    {
                        bestDistance[pos] = bestDistance[pos - 1];
                        bestIndex[pos] = bestIndex[pos - 1];
                        pos--;
                    }
                    bestDistance[pos] = v;
                    bestIndex[pos] = j;
                }
                for (int m = 0; m < k; m++) distances[i * k + m] = Math.Sqrt(bestDistance[m]);
            }
            return block;
        }, _ => { });
        return (indices, distances);
    }
}
