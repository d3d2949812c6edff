using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Cka;

/// <summary>
/// Linear minibatch CKA with the unbiased HSIC estimator (Nguyen, Raghu &amp; Kornblith 2021; docs/metrics.md, "Layer-wise similarity (CKA)"),
/// accumulated over batches for every layer pair (i, j) of two models:
/// CKAᵢⱼ = Σ_b HSIC₁(Kᵢ, Lⱼ) / √(Σ_b HSIC₁(Kᵢ, Kᵢ) · Σ_b HSIC₁(Lⱼ, Lⱼ)), clamped to [0, 1] (a non-positive
/// denominator is replaced by 1e-6). K = XXᵀ and L = YYᵀ are the Gram matrices of one batch's flattened
/// activations, computed (by default) in float64 on the activations' device, once per layer and batch, and
/// U-centred once (<see cref="UCentre"/>): HSIC₁ of a pair is then the inner product of the two U-centred matrices,
/// the same estimator as the formula of <see cref="Hsic1(Tensor, Tensor)"/> without its per-pair row sums.
/// </summary>
public sealed class MinibatchCka
{
    /// <summary>Columns of X converted to float64 at a time while forming XXᵀ (bounds memory for wide layers).</summary>
    private const long GramChunk = 8192;

    private readonly double[,] _crossHsic;
    private readonly double[] _selfHsicA;
    private readonly double[] _selfHsicB;
    private readonly ScalarType _gramType;

    /// <param name="layersA">Layers of the first model.</param>
    /// <param name="layersB">Layers of the second model.</param>
    /// <param name="gramType">Precision of the products XXᵀ, their U-centring and the per-pair inner products: float64
    /// (default, exact to ~1e-12) or float32 (about 2–3× faster on CPU; 2.4e-6 largest CKA difference from float64 on the
    /// shipped models, docs/metrics.md). Row sums and the accumulated HSIC sums are float64.</param>
    public MinibatchCka(int layersA, int layersB, ScalarType gramType = ScalarType.Float64)
    {
        if (gramType is not (ScalarType.Float64 or ScalarType.Float32)) throw new ArgumentException("Gram precision must be float64 or float32.", nameof(gramType));
        _gramType = gramType;
        if (layersA < 1 || layersB < 1) throw new ArgumentOutOfRangeException(nameof(layersA), "Each model needs at least one layer.");
        LayersA = layersA;
        LayersB = layersB;
        _crossHsic = new double[layersA, layersB];
        _selfHsicA = new double[layersA];
        _selfHsicB = new double[layersB];
    }

    public int LayersA { get; }
    public int LayersB { get; }

    /// <summary>Batches added so far.</summary>
    public int Batches { get; private set; }

    /// <summary>
    /// Adds one batch: <paramref name="layersA"/>[i] and <paramref name="layersB"/>[j] are the N × Dₗ (or N × …,
    /// flattened here) activations of the same N &gt; 3 samples.
    /// </summary>
    public void Add(IReadOnlyList<Tensor> layersA, IReadOnlyList<Tensor> layersB)
    {
        if (layersA.Count != LayersA || layersB.Count != LayersB)
            throw new ArgumentException($"Expected {LayersA} and {LayersB} layers; got {layersA.Count} and {layersB.Count}.");
        long n = layersA[0].shape[0];
        if (n <= 3) throw new ArgumentException($"Unbiased HSIC needs more than 3 samples per batch; got {n}.");
        if (layersA.Concat(layersB).Any(t => t.shape[0] != n)) throw new ArgumentException("All layers must hold the same samples.");

        using var scope = NewDisposeScope();
        AddGrams(Grams(layersA), Grams(layersB));
    }

    /// <summary>
    /// The U-centred Gram matrices Ũ = U(XXᵀ) of each layer's activations (N × N, in the Gram precision; see
    /// <see cref="UCentre"/>), for callers that compare one model with several references and want each matrix formed once.
    /// </summary>
    public Tensor[] Grams(IReadOnlyList<Tensor> layers)
    {
        long n = layers[0].shape[0];
        if (n <= 3) throw new ArgumentException($"Unbiased HSIC needs more than 3 samples per batch; got {n}.");
        if (layers.Any(t => t.shape[0] != n)) throw new ArgumentException("All layers must hold the same samples.");
        return [.. layers.Select(l => UCentreInPlace(Gram(l)))];
    }

    /// <summary>
    /// Adds one batch given its U-centred Gram matrices (from <see cref="Grams"/>, or float32 copies of them as the
    /// reference cache keeps them). HSIC₁(K, L) = ⟨Ũ_K, Ũ_L⟩ / (n(n − 3)): one inner product of two n²-vectors per
    /// pair, on the matrices as they are (no stacked or converted copies; a float64 matrix meets a float32 one in float64).
    /// </summary>
    public void AddGrams(IReadOnlyList<Tensor> gramsA, IReadOnlyList<Tensor> gramsB)
    {
        if (gramsA.Count != LayersA || gramsB.Count != LayersB)
            throw new ArgumentException($"Expected {LayersA} and {LayersB} Gram matrices; got {gramsA.Count} and {gramsB.Count}.");
        long n = gramsA[0].shape[0];
        if (n <= 3) throw new ArgumentException($"Unbiased HSIC needs more than 3 samples per batch; got {n}.");
        if (gramsA.Concat(gramsB).Any(g => g.dim() != 2 || g.shape[0] != n || g.shape[1] != n))
            throw new ArgumentException("All Gram matrices must be square and of the same samples.");
        using var scope = NewDisposeScope();
        bool wide = gramsA.Concat(gramsB).Any(g => g.dtype == ScalarType.Float64);
        var type = wide ? ScalarType.Float64 : ScalarType.Float32;
        var flatA = gramsA.Select(g => g.to(type).reshape(-1)).ToArray();
        var flatB = gramsB.Select(g => g.to(type).reshape(-1)).ToArray();
        // All inner products as 0-d tensors, read back at once (one synchronisation on an accelerator).
        var dots = new List<Tensor>(LayersA * LayersB + LayersA + LayersB);
        foreach (var x in flatA)
            foreach (var y in flatB) dots.Add(x.dot(y));
        foreach (var x in flatA) dots.Add(x.dot(x));
        foreach (var y in flatB) dots.Add(y.dot(y));
        var values = stack(dots).to(ScalarType.Float64).to(CPU).data<double>().ToArray();
        double scale = 1.0 / ((double)n * (n - 3));
        int k = 0;
        for (int i = 0; i < LayersA; i++)
            for (int j = 0; j < LayersB; j++) _crossHsic[i, j] += values[k++] * scale;
        for (int i = 0; i < LayersA; i++) _selfHsicA[i] += values[k++] * scale;
        for (int j = 0; j < LayersB; j++) _selfHsicB[j] += values[k++] * scale;
        Batches++;
    }

    /// <summary>
    /// U-centring (Székely &amp; Rizzo 2014) of a symmetric n × n Gram matrix K (n &gt; 3), returned as a new matrix of
    /// K's floating type (float64 for any other): with K̃ = K with zeroed diagonal, rᵢ = Σⱼ K̃ᵢⱼ and S = Σᵢ rᵢ,
    /// Ũᵢⱼ = K̃ᵢⱼ − (rᵢ + rⱼ)/(n − 2) + S/((n − 1)(n − 2)) for i ≠ j, and Ũᵢᵢ = 0. Then ⟨Ũ_K, Ũ_L⟩ / (n(n − 3)) = HSIC₁(K, L),
    /// the estimator of docs/metrics.md, "Layer-wise similarity (CKA)": its row-sum terms are this centring, done once
    /// per matrix instead of once per pair. Row sums are accumulated in float64.
    /// </summary>
    public static Tensor UCentre(Tensor gram)
    {
        if (gram.dim() != 2 || gram.shape[0] != gram.shape[1]) throw new ArgumentException("A Gram matrix must be square.");
        if (gram.shape[0] <= 3) throw new ArgumentException($"U-centring needs n > 3; got {gram.shape[0]}.");
        var type = gram.dtype is ScalarType.Float32 or ScalarType.Float64 ? gram.dtype : ScalarType.Float64;
        return UCentreInPlace(gram.to(type, copy: true));
    }

    /// <summary><see cref="UCentre"/> overwriting <paramref name="u"/> (float32 or float64), which it returns.</summary>
    private static Tensor UCentreInPlace(Tensor u)
    {
        long n = u.shape[0];
        using var scope = NewDisposeScope();
        u.diagonal().zero_();
        var rows = u.sum(1, type: ScalarType.Float64);
        double total = rows.sum().item<double>();
        double nn = n;
        var r = (rows / (nn - 2)).to(u.dtype);
        u.sub_(r.unsqueeze(1)).sub_(r.unsqueeze(0)).add_(total / ((nn - 1) * (nn - 2)));
        u.diagonal().zero_();
        return u;
    }

    /// <summary>The LayersA × LayersB CKA matrix of all batches so far (full precision).</summary>
    public double[,] Result()
    {
        if (Batches == 0) throw new InvalidOperationException("No batch added.");
        var cka = new double[LayersA, LayersB];
        for (int i = 0; i < LayersA; i++)
            for (int j = 0; j < LayersB; j++)
                cka[i, j] = Ratio(_crossHsic[i, j], _selfHsicA[i], _selfHsicB[j]);
        return cka;
    }

    /// <summary>
    /// Unbiased HSIC estimator of two n × n Gram matrices (n &gt; 3), with K̃, L̃ = K, L with zeroed diagonals:
    /// HSIC₁(K, L) = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − (2/(n−2))·1ᵀK̃L̃1] / (n(n−3)).
    /// </summary>
    public static double Hsic1(Tensor K, Tensor L)
    {
        if (K.dim() != 2 || K.shape[0] != K.shape[1] || !K.shape.SequenceEqual(L.shape))
            throw new ArgumentException("K and L must be square matrices of the same size.");
        long n = K.shape[0];
        if (n <= 3) throw new ArgumentException($"Unbiased HSIC needs n > 3; got {n}.");
        using var scope = NewDisposeScope();
        return Hsic1(ZeroDiagonal(K.to(ScalarType.Float64)), ZeroDiagonal(L.to(ScalarType.Float64)), n);
    }

    /// <summary>Single-batch linear CKA of X (n × p) and Y (n × q) with the unbiased HSIC estimator.</summary>
    public static double Linear(Tensor X, Tensor Y)
    {
        var cka = new MinibatchCka(1, 1);
        cka.Add([X], [Y]);
        return cka.Result()[0, 0];
    }

    /// <summary>CKA from accumulated HSIC sums: ΣKL / √(ΣKK · ΣLL), clamped to [0, 1]; denominator ≤ 0 → 1e-6.</summary>
    internal static double Ratio(double kl, double kk, double ll)
    {
        double product = kk * ll;
        double denominator = product > 0 ? Math.Sqrt(product) : 1e-6;
        double value = kl / denominator;
        return double.IsNaN(value) ? 0 : Math.Clamp(value, 0, 1);
    }

    /// <summary>HSIC₁ of Gram matrices whose diagonals are already zero (symmetric, float64).</summary>
    private static double Hsic1(Tensor kTilde, Tensor lTilde, long n)
    {
        using var scope = NewDisposeScope();
        // tr(K̃L̃) = Σ K̃ ∘ L̃ for symmetric matrices; 1ᵀK̃L̃1 = (K̃1)·(L̃1).
        var trace = (kTilde * lTilde).sum().item<double>();
        var rowK = kTilde.sum(1);
        var rowL = lTilde.sum(1);
        double sumK = rowK.sum().item<double>();
        double sumL = rowL.sum().item<double>();
        double cross = rowK.dot(rowL).item<double>();
        double nn = n;
        return (trace + sumK * sumL / ((nn - 1) * (nn - 2)) - 2.0 / (nn - 2) * cross) / (nn * (nn - 3));
    }

    /// <summary>K = XXᵀ in the Gram precision; X is flattened to N × D, and a wide layer is converted and multiplied in column chunks.</summary>
    private Tensor Gram(Tensor activations)
    {
        long n = activations.shape[0];
        var x = activations.detach().reshape(n, -1);
        long d = x.shape[1];
        if (d <= GramChunk)
        {
            var whole = x.to(_gramType);
            return whole.matmul(whole.t());
        }
        var gram = zeros(n, n, _gramType, x.device);
        for (long start = 0; start < d; start += GramChunk)
        {
            using var chunkScope = NewDisposeScope();
            var chunk = x.narrow(1, start, Math.Min(GramChunk, d - start)).to(_gramType);
            gram.add_(chunk.matmul(chunk.t()));
        }
        return gram;
    }

    private static Tensor ZeroDiagonal(Tensor m) => m * (1 - eye(m.shape[0], dtype: ScalarType.Float64, device: m.device));
}
