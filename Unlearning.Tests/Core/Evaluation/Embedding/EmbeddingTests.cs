using Unlearning.Core.Evaluation.Embedding;

namespace Unlearning.Tests.Core.Evaluation.Embedding;

public class EmbeddingTests
{
    /// <summary>n points around <paramref name="clusters"/> well-separated centres (centre spread 4, unit noise).</summary>
    private static float[][] Clusters(int n, int dim, int clusters, int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dim).Select(_ => 4 * Gauss()).ToArray()).ToArray();
        return Enumerable.Range(0, n).Select(i => centres[i % clusters].Select(c => (float)(c + Gauss())).ToArray()).ToArray();
    }

    private static bool Identical(double[,] a, double[,] b) =>
        a.GetLength(0) == b.GetLength(0) && a.Cast<double>().SequenceEqual(b.Cast<double>());

    private static readonly float[][] Points = Clusters(600, 8, 6, 11);
    private static readonly Lazy<double[,]> Default = new(() => Umap.Embed(Points));

    [Fact]
    public void Umap_preserves_neighbourhoods_of_separated_clusters()
    {
        var embedding = Default.Value;
        Assert.Equal((600, 2), (embedding.GetLength(0), embedding.GetLength(1)));
        Assert.True(embedding.Cast<double>().All(double.IsFinite));
        double trust = Trustworthiness.Compute(Points, embedding, 10);
        Assert.True(trust >= 0.95, $"trustworthiness {trust:F4}");

        // Clusters stay apart: each point's nearest embedded neighbour comes from its own cluster.
        int agree = 0;
        for (int i = 0; i < 600; i++)
        {
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int j = 0; j < 600; j++)
            {
                if (j == i) continue;
                double dx = embedding[i, 0] - embedding[j, 0], dy = embedding[i, 1] - embedding[j, 1];
                if (dx * dx + dy * dy < bestDistance) (best, bestDistance) = (j, dx * dx + dy * dy);
            }
            if (best % 6 == i % 6) agree++;
        }
        Assert.True(agree >= 594, $"{agree}/600 nearest neighbours in the same cluster");
    }

    [Fact]
    public void Umap_is_deterministic_for_a_seed_regardless_of_threads()
    {
        var single = Umap.Embed(Points, new UmapOptions { MaxDegreeOfParallelism = 1 });
        Assert.True(Identical(Default.Value, single));
        Assert.True(Identical(Default.Value, Umap.Embed(Points)));
        Assert.False(Identical(Default.Value, Umap.Embed(Points, new UmapOptions { Seed = 7 })));
    }

    [Fact]
    public void Curve_fit_matches_umap_learns_published_parameters()
    {
        // umap-learn's find_ab_params(spread 1, min_dist 0.1) gives a ≈ 1.577, b ≈ 0.895.
        var (a, b) = Umap.FitCurve(0.1, 1.0);
        Assert.Equal(1.577, a, 2);
        Assert.Equal(0.895, b, 2);
    }

    [Fact]
    public void Procrustes_recovers_rotation_scale_and_shift()
    {
        var rng = new Random(3);
        var source = new double[40, 2];
        for (int i = 0; i < 40; i++) { source[i, 0] = rng.NextDouble() * 10; source[i, 1] = rng.NextDouble() * 4 - 2; }
        foreach (bool reflect in new[] { false, true })
        {
            double angle = 0.8, scale = 2.5, cos = Math.Cos(angle), sin = Math.Sin(angle);
            var target = new double[40, 2];
            for (int i = 0; i < 40; i++)
            {
                double x = source[i, 0], y = reflect ? -source[i, 1] : source[i, 1];
                target[i, 0] = scale * (cos * x - sin * y) + 7;
                target[i, 1] = scale * (sin * x + cos * y) - 3;
            }
            var aligned = Procrustes.Align(source, target);
            for (int i = 0; i < 40; i++)
            {
                Assert.Equal(target[i, 0], aligned[i, 0], 9);
                Assert.Equal(target[i, 1], aligned[i, 1], 9);
            }
        }
    }

    [Fact]
    public void Trustworthiness_is_one_for_an_identical_embedding_and_low_for_a_shuffled_one()
    {
        var rng = new Random(5);
        var points = new double[200, 2];
        for (int i = 0; i < 200; i++) { points[i, 0] = rng.NextDouble(); points[i, 1] = rng.NextDouble(); }
        Assert.Equal(1.0, Trustworthiness.Compute(points, points, 10), 12);

        var shuffled = new double[200, 2];
        var order = Enumerable.Range(0, 200).OrderBy(_ => rng.Next()).ToArray();
        for (int i = 0; i < 200; i++) { shuffled[i, 0] = points[order[i], 0]; shuffled[i, 1] = points[order[i], 1]; }
        Assert.InRange(Trustworthiness.Compute(points, shuffled, 10), 0.3, 0.7);
    }

    [Fact]
    public void Trustworthiness_matches_a_hand_computed_case()
    {
        // Input on a line at 0, 1, 3, 6, 10, 15 (n = 6, k = 1); the embedding swaps the places of points 0 and 5.
        double[] line = [0, 1, 3, 6, 10, 15];
        int[] place = [5, 1, 2, 3, 4, 0];
        var input = new double[6, 1];
        var embedded = new double[6, 1];
        for (int i = 0; i < 6; i++) { input[i, 0] = line[i]; embedded[i, 0] = line[place[i]]; }
        // Embedded nearest neighbour → its input rank → penalty (rank − k): 0 → 4: rank 4, 3; 1 → 5: rank 5, 4;
        // 2 → 1, 3 → 2, 4 → 3: rank 1, 0; 5 → 1: rank 4, 3. Sum 10; T = 1 − 2/(6·1·(12 − 3 − 1)) · 10 = 1 − 20/48.
        Assert.Equal(1 - 20.0 / 48, Trustworthiness.Compute(input, embedded, 1), 12);
    }
}
