using MathNet.Numerics.LinearAlgebra;

namespace Unlearning.Core.Evaluation.Embedding;

/// <summary>
/// Orthogonal Procrustes with isotropic scale and translation (docs/metrics.md, "Embedding (UMAP, aligned)": aligns each model's embedding to the
/// Original model's). With centred S̄ = S − s̄ and T̄ = T − t̄ and the SVD S̄ᵀT̄ = UΣVᵀ, the rotation/reflection is
/// R = UVᵀ, the scale c = tr Σ / ‖S̄‖²_F, and the aligned points are c·S̄R + t̄ (this minimises ‖c·S̄R + t − T‖_F).
/// </summary>
public static class Procrustes
{
    /// <summary>Returns <paramref name="source"/> (n × m) rotated/reflected, scaled and shifted onto <paramref name="target"/>.</summary>
    public static double[,] Align(double[,] source, double[,] target)
    {
        int n = source.GetLength(0), m = source.GetLength(1);
        if (target.GetLength(0) != n || target.GetLength(1) != m) throw new ArgumentException("Source and target must have the same shape.");
        if (n == 0) return new double[0, m];
        var s = Matrix<double>.Build.DenseOfArray(source);
        var t = Matrix<double>.Build.DenseOfArray(target);
        var sMean = s.ColumnSums() / n;
        var tMean = t.ColumnSums() / n;
        var sc = s - Matrix<double>.Build.Dense(n, m, (_, j) => sMean[j]);
        var tc = t - Matrix<double>.Build.Dense(n, m, (_, j) => tMean[j]);
        double norm2 = sc.FrobeniusNorm();
        norm2 *= norm2;
        Matrix<double> aligned;
        if (norm2 == 0) aligned = Matrix<double>.Build.Dense(n, m);
        else
        {
            var svd = (sc.TransposeThisAndMultiply(tc)).Svd(computeVectors: true);
            var rotation = svd.U * svd.VT;
            double scale = svd.S.Sum() / norm2;
            aligned = scale * sc * rotation;
        }
        var result = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) result[i, j] = aligned[i, j] + tMean[j];
        return result;
    }
}
