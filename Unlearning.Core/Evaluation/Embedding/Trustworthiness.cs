namespace Unlearning.Core.Evaluation.Embedding;

/// <summary>
/// Trustworthiness of an embedding (Venna &amp; Kaski 2001), as scikit-learn defines it:
/// T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢᵏ} (r(i, j) − k),
/// where Uᵢᵏ are the k nearest neighbours of i in the embedding that are not among its k nearest in the input
/// space and r(i, j) is j's rank among i's input-space neighbours (1 = nearest, i itself excluded). Euclidean
/// distances; ties ranked by index. 1 = every embedding neighbour is a true neighbour. Requires k &lt; n/2.
/// </summary>
public static class Trustworthiness
{
    public static double Compute(float[][] highDim, double[,] lowDim, int k = 10) =>
        Compute(PointDistances.Flatten(highDim, out int n, out int d), n, d, lowDim, k);

    public static double Compute(double[,] highDim, double[,] lowDim, int k = 10) =>
        Compute(PointDistances.Flatten(highDim, out int n, out int d), n, d, lowDim, k);

    /// <summary>Trustworthiness of row-major input points (n × d) against their embedding (n × m).</summary>
    public static double Compute(float[] highDim, int n, int d, double[,] lowDim, int k = 10)
    {
        if (lowDim.GetLength(0) != n) throw new ArgumentException("Both point sets must have the same number of rows.");
        if (k < 1 || k >= n / 2.0) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, n/2); n = {n}.");
        var low = PointDistances.Flatten(lowDim, out _, out int m);
        var (lowNeighbours, _) = PointDistances.Nearest(low, n, m, k + 1, new ParallelOptions());
        var penalty = new double[n];
        int tiles = (n + PointDistances.Tile - 1) / PointDistances.Tile;
        Parallel.For(0, tiles, () => new float[PointDistances.Tile * n], (tile, _, block) =>
        {
            int first = tile * PointDistances.Tile, count = Math.Min(PointDistances.Tile, n - first);
            PointDistances.Rows(highDim, n, d, first, count, block);
            for (int r = 0; r < count; r++)
            {
                int i = first + r;
                var row = block.AsSpan(r * n, n);
                double sum = 0;
                for (int t = 1; t <= k; t++)
                {
                    int j = lowNeighbours[i * (k + 1) + t];
                    // Rank of j among i's input-space neighbours: 1 + #{l ≠ i closer than j (ties: smaller index)}.
                    int rank = 1;
                    float dj = row[j];
                    for (int l = 0; l < n; l++)
                        if (l != i && l != j && (row[l] < dj || (row[l] == dj && l < j))) rank++;
                    if (rank > k) sum += rank - k;
                }
                penalty[i] = sum;
            }
            return block;
        }, _ => { });
        double total = 0;
        foreach (var p in penalty) total += p;
        return 1 - 2.0 / ((double)n * k * (2.0 * n - 3.0 * k - 1.0)) * total;
    }
}
