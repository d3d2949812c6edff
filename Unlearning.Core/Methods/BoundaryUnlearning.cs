using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// What Boundary Shrink and Boundary Expanding share (Chen et al., "Boundary Unlearning: Rapid Forgetting of Deep Networks via
/// Shifting the Decision Space", CVPR 2023; docs/methods.md, "Boundary Shrink and Boundary Expanding"): both move the decision
/// boundary of a whole class using the forget set only, so both are class-wise only and refuse any other forget set; both
/// train with plain SGD with momentum 0.9 and no weight decay, as the authors' code.
/// </summary>
public static class BoundaryUnlearning
{
    public const string ClassWiseOnlyNote = "Class-wise forgetting only.";

    /// <summary>
    /// Throws when the forget set is not exactly the train samples of <see cref="ForgetSplit.ForgetClass"/>: the methods
    /// move a class's decision boundary and mean nothing for random samples or part of a class.
    /// </summary>
    /// <exception cref="ArgumentException">The forget set is not a whole class.</exception>
    public static void RequireWholeClass(UnlearningContext context, string displayName)
    {
        var labels = context.Train.Set.Labels;
        int fc = context.Split.ForgetClass;
        int classSize = 0;
        foreach (var l in labels) if (l == fc) classSize++;
        bool whole = fc >= 0 && context.Split.Forget.Length == classSize && context.Split.Forget.All(i => labels[i] == fc);
        if (!whole)
            throw new ArgumentException(
                $"{displayName} forgets a whole class: it moves that class's decision boundary. The forget set here is not all train " +
                "samples of one class; choose a class forget set or another method.");
    }

    /// <summary>SGD(lr, momentum 0.9), no weight decay, no Nesterov — the authors' optimizer for both methods.</summary>
    public static optim.Optimizer CreateSgd(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate) =>
        optim.SGD(parameters, learningRate, momentum: 0.9, weight_decay: 0, nesterov: false);

    /// <summary>
    /// Untargeted L∞ PGD with a random start on a frozen model, in the normalised input space: the bound ε and step α are
    /// given in pixel units (images in [0, 1]) and divided by each channel's std; every iterate is projected to the ε-ball
    /// and to the valid pixel range. Returns the perturbed batch (no gradient).
    /// </summary>
    public static Tensor LinfPgd(Classifier model, Tensor x, Tensor y, DatasetInfo info, double epsilon, double step, int iterations)
    {
        using var scope = NewDisposeScope();
        var std = tensor(info.Std, device: x.device).reshape(1, info.Channels, 1, 1);
        var mean = tensor(info.Mean, device: x.device).reshape(1, info.Channels, 1, 1);
        var eps = std.reciprocal().mul(epsilon);
        var alpha = std.reciprocal().mul(step);
        var low = mean.neg().div(std);
        var high = mean.neg().add(1).div(std);
        var clean = x.detach();
        var adv = clean.add(rand_like(clean).mul(2).sub(1).mul(eps)).clamp(low, high).detach();
        for (int i = 0; i < iterations; i++)
        {
            adv.requires_grad_(true);
            var loss = nn.functional.cross_entropy(model.call(adv), y);
            var grad = autograd.grad([loss], [adv])[0];
            adv = adv.detach().add(grad.sign().mul(alpha));
            adv = torch.minimum(torch.maximum(adv, clean.sub(eps)), clean.add(eps)).clamp(low, high).detach();
        }
        return adv.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Boundary Shrink (docs/methods.md, "Boundary Shrink and Boundary Expanding"): for every forget batch, an L∞ PGD attack on a
/// frozen copy of the original model finds each sample's nearest other class (the prediction on the adversarial image, the
/// "neighbour label"); the model is then fine-tuned on the clean forget images with those labels (cross-entropy), which
/// shrinks the forget class's region into its neighbours. The forget set only; class-wise only.
/// </summary>
public sealed class BoundaryShrink : UnlearningMethod<BoundaryShrinkOptions>
{
    public const string BoundName = "attack_bound";
    public const string StepName = "attack_step";
    public const string IterationsName = "attack_iterations";
    public const string NeighbourRateName = "Neighbour labels other than the true class";

    public override string Name => "BoundaryShrink";
    public override bool ClassWiseOnly => true;
    public override string DisplayName => "Boundary Shrink";
    public override string Description =>
        "Finds each forget image's nearest other class with an adversarial attack and fine-tunes the forget images to that label. " +
        BoundaryUnlearning.ClassWiseOnlyNote;

    public override UnlearningResult Run(UnlearningContext context, BoundaryShrinkOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        BoundaryUnlearning.RequireWholeClass(context, DisplayName);
        var (epochs, lr0, batchSize, bound, step, iterations) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        Training.Trainer.Seed(context.Seed);
        using var attacked = context.CreateFrozenCopy();
        using var optimizer = BoundaryUnlearning.CreateSgd(model.parameters(), lr0);

        var loop = new UnlearningLoop(context, progress, cancellation, epochs, BatchCount(context.Split.Forget.Length, batchSize));
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var batch in TensorData.Plan(context.Split.Forget, batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                var neighbour = NeighbourLabels(attacked, x, y, context.Train.Info, bound, step, iterations);
                model.train();
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(x), neighbour).backward();
                optimizer.step();
                loop.AfterBatch();
            }
            loop.EndEpoch(lr0);
        }
        return loop.Finish();
    }

    /// <summary>
    /// The class the frozen model predicts for each PGD-perturbed image. As the authors' code, a sample whose attack fails keeps its
    /// own label (that sample is then not pushed anywhere).
    /// </summary>
    public static Tensor NeighbourLabels(Classifier frozen, Tensor x, Tensor y, DatasetInfo info, double bound, double step, int iterations)
    {
        var adv = BoundaryUnlearning.LinfPgd(frozen, x, y, info, bound, step, iterations);
        using (no_grad())
            return frozen.call(adv).argmax(1);
    }
}

/// <summary>
/// Boundary Expanding (docs/methods.md, "Boundary Shrink and Boundary Expanding"): the classifier head gains one extra "shadow"
/// output (a new weight row, Xavier-normal initialised, bias 0); the whole network is trained on the forget images with the
/// shadow class as their label, which moves them into a region of their own; the shadow output is then pruned, leaving the
/// forget images spread over the remaining classes. The forget set only; class-wise only.
/// </summary>
public sealed class BoundaryExpanding : UnlearningMethod<BoundaryExpandingOptions>
{
    public override string Name => "BoundaryExpanding";
    public override bool ClassWiseOnly => true;
    public override string DisplayName => "Boundary Expanding";
    public override string Description =>
        "Adds a shadow output to the head, trains the forget images into it, then prunes it so they fall among the other classes. " +
        BoundaryUnlearning.ClassWiseOnlyNote;

    public override UnlearningResult Run(UnlearningContext context, BoundaryExpandingOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        BoundaryUnlearning.RequireWholeClass(context, DisplayName);
        var (epochs, lr0, batchSize) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        Training.Trainer.Seed(context.Seed);
        long features = model.named_parameters().Single(p => p.name == "fc.weight").parameter.shape[1];
        // The widened head's new row: Xavier-normal over the widened layer (fan_in = features, fan_out = classes + 1), bias 0.
        double std = Math.Sqrt(2.0 / (features + context.NumClasses + 1));
        using var shadowWeight = new TorchSharp.Modules.Parameter(randn(features, 1, device: context.Device).mul_(std));
        using var shadowBias = new TorchSharp.Modules.Parameter(zeros(1, device: context.Device));
        using var optimizer = BoundaryUnlearning.CreateSgd(model.parameters().Append(shadowWeight).Append(shadowBias), lr0);

        var loop = new UnlearningLoop(context, progress, cancellation, epochs, BatchCount(context.Split.Forget.Length, batchSize));
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            foreach (var batch in TensorData.Plan(context.Split.Forget, batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, _) = context.Train.Batch(batch);
                optimizer.zero_grad();
                var (logits, feats) = model.ForwardWithFeatures(x);
                ShadowLoss(logits, feats, shadowWeight, shadowBias).backward();
                optimizer.step();
                loop.AfterBatch();
            }
            // Pruning the shadow output is implicit: the model's own head never had it.
            loop.EndEpoch(lr0);
        }
        return loop.Finish();
    }

    /// <summary>
    /// Cross-entropy of the widened head [logits | features·w + b] with every sample labelled as the shadow class (the last
    /// column, index = number of classes).
    /// </summary>
    public static Tensor ShadowLoss(Tensor logits, Tensor features, Tensor shadowWeight, Tensor shadowBias)
    {
        var widened = cat([logits, features.matmul(shadowWeight).add(shadowBias)], 1);
        var target = full(logits.shape[0], logits.shape[1], dtype: ScalarType.Int64, device: logits.device);
        return nn.functional.cross_entropy(widened, target);
    }
}

/// <summary>
/// Hyperparameters of <see cref="BoundaryShrink"/>. Defaults: the authors' code (10 epochs over the forget set, ε = 0.1,
/// step 8/255, 5 PGD iterations); compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.
/// </summary>
public sealed record BoundaryShrinkOptions(
    [Epochs(10, Compact = 2)] int Epochs,
    [Hyperparameter(HyperparameterSpec.LearningRateName, "Learning rate", 1e-5, 1e-6, 1,
        "Constant SGD learning rate (momentum 0.9, no weight decay, as the authors' code).", Grid = true, Compact = 1e-4)]
    double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(BoundaryShrink.BoundName, "Attack bound (ε)", 0.1, 0.001, 1,
        "L∞ bound of the adversarial perturbation that finds each image's neighbour class, in pixel units (images in [0, 1]).")]
    double AttackBound,
    [Hyperparameter(BoundaryShrink.StepName, "Attack step", 8.0 / 255, 0.0001, 1, "PGD step size in pixel units.")]
    double AttackStep,
    [Hyperparameter(BoundaryShrink.IterationsName, "Attack iterations", 5, 1, 100, "PGD iterations per batch.")]
    int AttackIterations);

/// <summary>
/// Hyperparameters of <see cref="BoundaryExpanding"/>. Defaults: the authors' code (10 epochs over the forget set);
/// compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.
/// </summary>
public sealed record BoundaryExpandingOptions(
    [Epochs(10, Compact = 2)] int Epochs,
    [Hyperparameter(HyperparameterSpec.LearningRateName, "Learning rate", 1e-5, 1e-6, 1,
        "Constant SGD learning rate (momentum 0.9, no weight decay, as the authors' code).", Grid = true, Compact = 1e-4)]
    double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize);
