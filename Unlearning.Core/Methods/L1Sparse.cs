using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// ℓ1-sparse unlearning (Jia et al., "Model sparsity can simplify machine unlearning", NeurIPS 2023;
/// docs/methods.md, "ℓ1-sparse"): Fine-Tuning on the retain set with an ℓ1 penalty on all weights,
/// loss = CE + γₑ·‖θ‖₁, whose weight decays linearly over the epochs, γₑ = γ·(1 − e / epochs) for 0-based epoch e,
/// so that early steps push the model towards sparsity and late steps recover accuracy. Learning rate cosine-annealed
/// per epoch to η_min = 0, as our Fine-Tuning.
/// </summary>
public sealed class L1Sparse : UnlearningMethod<L1SparseOptions>
{
    public const string GammaName = "l1_gamma";

    public override string Name => "L1Sparse";
    public override string DisplayName => "ℓ1-sparse";
    public override string Description =>
        "Fine-tunes on the retain set with an ℓ1 penalty on the weights that decays linearly to 0: sparsity first, then recovery.";

    public override UnlearningResult Run(UnlearningContext context, L1SparseOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, gamma, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        Training.Trainer.Seed(context.Seed);
        using var optimizer = CreateSgd(model, lr0);
        var weights = model.parameters().ToList();

        int perEpoch = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
        var subsetRng = context.CreateRandom(2);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double lr = Training.Trainer.CosineLr(lr0, 0, epoch, epochs);
            double penalty = PenaltyWeight(gamma, epoch, epochs);
            SetLearningRate(optimizer, lr);
            model.train();
            foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsetRng, fraction), batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                optimizer.zero_grad();
                var logits = model.call(x);
                var loss = nn.functional.cross_entropy(logits, y);
                if (penalty > 0)
                {
                    var l1 = weights.Select(w => w.abs().sum()).Aggregate((a, b) => a + b);
                    loss = loss + penalty * l1;
                }
                loss.backward();
                optimizer.step();
                loop.AfterBatch(logits, y);
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }

    /// <summary>The ℓ1 weight of 0-based epoch <paramref name="epoch"/>: γₑ = γ·(1 − e / epochs), linear decay from γ.</summary>
    public static double PenaltyWeight(double gamma, int epoch, int epochs) => gamma * (1 - (double)epoch / epochs);
}

/// <summary>Hyperparameters of <see cref="L1Sparse"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record L1SparseOptions(
    [Epochs(10, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.05)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(L1Sparse.GammaName, "ℓ1 weight (γ)", 5e-4, 0, 0.1,
        "Weight of the ℓ1 norm of all weights in the first epoch; it decays linearly to 0 over the epochs.", Compact = 1e-4)]
    double Gamma,
    [RetainFraction(Compact = 0.5)] double RetainFraction);
