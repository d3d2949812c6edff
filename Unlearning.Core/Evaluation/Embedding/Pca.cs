using System.Numerics;

namespace Unlearning.Core.Evaluation.Embedding;

/// <summary>
/// Leading principal directions of row-major float data: the covariance C = (X − x̄)ᵀ(X − x̄)/(n − 1) (float32 SIMD
/// products of the centred columns, kept in float64), then orthogonal (subspace) iteration with a Rayleigh–Ritz step. Signs are fixed so that each
/// direction's largest-magnitude entry is positive, which makes the result deterministic.
/// </summary>
internal static class Pca
{
    public static double[] Mean(float[] data, int n, int d)
    {
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += data[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        return mean;
    }

    /// <returns>The <paramref name="count"/> leading unit directions (each of length d) and their variances.</returns>
    public static (double[][] Components, double[] Variances) TopComponents(float[] data, int n, int d, int count, ParallelOptions parallel)
    {
        count = Math.Min(count, d);
        var mean = Mean(data, n, d);
        // Centred columns, so that covariance entries are contiguous dot products.
        var columns = new float[d][];
        for (int j = 0; j < d; j++) columns[j] = new float[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) columns[j][i] = (float)(data[i * d + j] - mean[j]);
        var cov = new double[d][];
        for (int a = 0; a < d; a++) cov[a] = new double[d];
        Parallel.For(0, d, parallel, a =>
        {
            for (int c = a; c < d; c++)
            {
                double v = PointDistances.Dot(columns[a], columns[c]) / Math.Max(1, n - 1);
                cov[a][c] = v;
                cov[c][a] = v;
            }
        });

        // Subspace iteration from a fixed start.
        var basis = new double[count][];
        for (int c = 0; c < count; c++)
        {
            basis[c] = new double[d];
            for (int j = 0; j < d; j++) basis[c][j] = Math.Cos(1.0 + 0.7 * j * (c + 1)) + (j % (c + 2) == 0 ? 0.5 : 0);
        }
        Orthonormalise(basis);
        for (int iter = 0; iter < 60; iter++)
        {
            var next = basis.Select(v => Multiply(cov, v)).ToArray();
            Orthonormalise(next);
            double change = 0;
            for (int c = 0; c < count; c++) change = Math.Max(change, 1 - Math.Abs(Dot(next[c], basis[c])));
            basis = next;
            if (change < 1e-9) break;
        }

        // Rayleigh–Ritz: eigen-decompose the small projected matrix BᵀCB and rotate the basis accordingly.
        var projected = new double[count, count];
        var cb = basis.Select(v => Multiply(cov, v)).ToArray();
        for (int p = 0; p < count; p++)
            for (int q = 0; q < count; q++) projected[p, q] = Dot(basis[p], cb[q]);
        var evd = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(projected).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var order = Enumerable.Range(0, count).OrderByDescending(c => evd.EigenValues[c].Real).ToArray();
        var components = new double[count][];
        var variances = new double[count];
        for (int c = 0; c < count; c++)
        {
            var v = new double[d];
            for (int p = 0; p < count; p++)
            {
                double w = evd.EigenVectors[p, order[c]];
                for (int j = 0; j < d; j++) v[j] += w * basis[p][j];
            }
            int largest = 0;
            for (int j = 1; j < d; j++) if (Math.Abs(v[j]) > Math.Abs(v[largest])) largest = j;
            if (v[largest] < 0) for (int j = 0; j < d; j++) v[j] = -v[j];
            components[c] = v;
            variances[c] = evd.EigenValues[order[c]].Real;
        }
        return (components, variances);
    }

    private static double[] Multiply(double[][] m, double[] v)
    {
        var r = new double[v.Length];
        for (int a = 0; a < v.Length; a++) r[a] = Dot(m[a], v);
        return r;
    }

    private static void Orthonormalise(double[][] vectors)
    {
        for (int c = 0; c < vectors.Length; c++)
        {
            for (int p = 0; p < c; p++)
            {
                double proj = Dot(vectors[c], vectors[p]);
                for (int j = 0; j < vectors[c].Length; j++) vectors[c][j] -= proj * vectors[p][j];
            }
            double norm = Math.Sqrt(Dot(vectors[c], vectors[c]));
            if (norm == 0) { vectors[c][c % vectors[c].Length] = 1; norm = 1; }
            for (int j = 0; j < vectors[c].Length; j++) vectors[c][j] /= norm;
        }
    }

    private static double Dot(double[] x, double[] y)
    {
        int width = Vector<double>.Count, k = 0;
        var acc = Vector<double>.Zero;
        for (; k <= x.Length - width; k += width) acc += new Vector<double>(x, k) * new Vector<double>(y, k);
        double s = Vector.Sum(acc);
        for (; k < x.Length; k++) s += x[k] * y[k];
        return s;
    }
}
