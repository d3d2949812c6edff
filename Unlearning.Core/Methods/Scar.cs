using System.Diagnostics;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// SCAR, Selective-distillation for Class and Architecture-agnostic unleaRning (Bonato, Cotogni, Sabetta, ECCV 2024;
/// docs/methods.md, "SCAR"), as the authors' repository (jbonato1/SCAR, <c>src/Unlearning_methods.py</c>) implements it
/// for class removal. No retain batch is trained on:
/// <list type="number">
/// <item>class statistics: for every class other than the forget class, the mean μ_k of t(e) = e^δ (Tukey's power
/// transform) of the original model's penultimate embeddings of reference images, and the precision
/// P_k = pinv(corr(shrink(shrink(Cov_k)))) (<see cref="Precision"/>). The reference images are a seeded sample of
/// <c>stats_per_class</c> retain images per class (the authors use the whole retain set), read once without gradients;</item>
/// <item>each forget sample's target is its closest other class under the original model (<see cref="MahalanobisDistances"/>);</item>
/// <item>every step takes one forget batch and one batch of out-of-distribution <see cref="SurrogateImages"/> and descends
/// λ1·<see cref="ForgetLoss"/> + λ2·<see cref="SurrogateDistillationLoss"/> with Adam (no weight decay, constant rate),
/// model in train mode; each forget batch is used for <c>surrogate_steps</c> steps with fresh surrogate batches;</item>
/// <item>from the third epoch on, the run stops once the forget-set accuracy is below <c>stop_accuracy</c>.</item>
/// </list>
/// RT includes the statistics, the teacher copy and the surrogate images, as the authors' timing does.
/// </summary>
public sealed class Scar : UnlearningMethod<ScarOptions>
{
    public const string Lambda1Name = "lambda_1";
    public const string Lambda2Name = "lambda_2";
    public const string TemperatureName = "kd_temperature";
    public const string DeltaName = "tukey_delta";
    public const string Gamma1Name = "gamma1";
    public const string Gamma2Name = "gamma2";
    public const string SurrogateStepsName = "surrogate_steps";
    public const string SurrogateCountName = "surrogate_images";
    public const string StatsPerClassName = "stats_per_class";
    public const string StopAccuracyName = "stop_accuracy";
    public const string StatisticsStage = "Computing class statistics";

    /// <summary>Share of patch mosaics in the surrogate pool; the rest are dead-leaves images (docs/methods.md, "SCAR").</summary>
    public const double MosaicShare = 0.5;

    /// <summary>
    /// Embeddings are clamped to at least this before the power transform: a ReLU feature that is exactly 0 would
    /// otherwise get an infinite gradient from e^δ (δ &lt; 1) and turn the step into NaN.
    /// </summary>
    public const double FeatureFloor = 1e-8;

    /// <summary>The authors' stopping rule looks at the forget accuracy only after epoch index 1 (<c>epoch &gt; 1</c>).</summary>
    private const int FirstEpochThatMayStop = 2;

    private const int InferenceChunk = 500;

    public override string Name => "SCAR";
    public override string DisplayName => "SCAR";

    /// <summary>Its targets are the classes other than the one forget class; a sample forget set has no such class (docs/methods.md, "SCAR").</summary>
    public override bool ClassWiseOnly => true;
    public override string Description =>
        "Retain-free: pulls forget-set embeddings to the closest other class (Mahalanobis distance) while distilling the original model on out-of-distribution surrogate images.";

    public override UnlearningResult Run(UnlearningContext context, ScarOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr, batchSize, lambda1, lambda2, temperature, delta, gamma1, gamma2, surrogateSteps, surrogateCount, statsPerClass, stopAccuracy) = options;
        BoundaryUnlearning.RequireWholeClass(context, DisplayName);
        var model = context.Model;
        var forget = context.Split.Forget;
        int forgetClass = context.Split.ForgetClass;
        var forgetShuffle = context.CreateRandom(1);
        var surrogateShuffle = context.CreateRandom(3);
        Training.Trainer.Seed(context.Seed);

        var loop = new UnlearningLoop(context, progress, cancellation, epochs, BatchCount(forget.Length, batchSize) * surrogateSteps);
        // The authors' unlearning time starts before the surrogate loader and covers the statistics: so does RT here.
        loop.Start();
        using var teacher = context.CreateFrozenCopy();
        var prepared = PrepareTargets(context, statsPerClass, delta, gamma1, gamma2, epochs, progress, cancellation);
        using var means = prepared.Means;
        using var precisions = prepared.Precisions;
        var targets = prepared.Targets;
        using var pool = SurrogateImages.Generate(context.Train, forget, surrogateCount, MosaicShare, context.CreateRandom(5)).to(context.Device);
        using var optimizer = optim.Adam(model.parameters(), lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0);

        var surrogateBatches = new Queue<long[]>();
        var positions = Enumerable.Range(0, forget.Length).ToArray();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            foreach (var batch in TensorData.Plan(positions, batchSize, forgetShuffle))
            {
                var forgetIndices = batch.Select(p => (long)forget[p]).ToArray();
                var forgetTargets = batch.Select(p => targets[p]).ToArray();
                for (int s = 0; s < surrogateSteps; s++)
                {
                    loop.BeforeBatch();
                    if (surrogateBatches.Count == 0)
                        foreach (var b in TensorData.Plan(Enumerable.Range(0, surrogateCount).ToArray(), batchSize, surrogateShuffle))
                            surrogateBatches.Enqueue(b);
                    using var scope = NewDisposeScope();
                    var (xf, _) = context.Train.Batch(forgetIndices);
                    using var surrogateIndex = tensor(surrogateBatches.Dequeue(), device: context.Device);
                    var xs = pool.index_select(0, surrogateIndex);
                    optimizer.zero_grad();
                    var (_, features) = model.ForwardWithFeatures(xf);
                    var forgetLoss = ForgetLoss(features, tensor(forgetTargets, device: context.Device), means, precisions, delta);
                    var studentLogits = model.call(xs);
                    Tensor teacherLogits;
                    using (no_grad()) teacherLogits = teacher.call(xs);
                    var loss = lambda1 * forgetLoss + lambda2 * SurrogateDistillationLoss(studentLogits, teacherLogits, forgetClass, temperature);
                    loss.backward();
                    optimizer.step();
                    loop.AfterBatch();
                }
            }
            var log = loop.EndEpoch(lr);
            if (stopAccuracy > 0 && epoch >= FirstEpochThatMayStop && log.ForgetAccuracy < stopAccuracy) break;
        }
        return loop.Finish();
    }

    /// <summary>t(e) = max(e, <see cref="FeatureFloor"/>)^δ, Tukey's power transform of (non-negative) embeddings.</summary>
    public static Tensor Tukey(Tensor features, double delta) => features.clamp_min(FeatureFloor).pow(delta);

    /// <summary>
    /// The authors' covariance shrinkage: S + γ1·V1·I + γ2·V2·(1 − I), where V1 is the mean of the diagonal of S and V2
    /// the mean of its non-zero off-diagonal entries (0 when there are none). SCAR applies it twice (<see cref="Precision"/>).
    /// </summary>
    public static Tensor ShrinkCovariance(Tensor covariance, double gamma1, double gamma2)
    {
        long d = covariance.shape[0];
        using var scope = NewDisposeScope();
        var identity = eye(d, dtype: covariance.dtype, device: covariance.device);
        var v1 = covariance.diagonal().mean();
        var offDiagonal = covariance * (1 - identity);
        var nonZero = offDiagonal.ne(0).sum();
        var v2 = nonZero.item<long>() == 0 ? zeros_like(v1) : offDiagonal.sum() / nonZero;
        return (covariance + gamma1 * v1 * identity + gamma2 * v2 * (1 - identity)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// P = pinv(corr(shrink(shrink(Cov)))) of the rows of <paramref name="transformed"/> (already power-transformed
    /// embeddings of one class, n × D, n ≥ 2): the unbiased covariance, shrunk twice (<see cref="ShrinkCovariance"/>), turned
    /// into a correlation matrix C_ij = S_ij / √(S_ii·S_jj), and pseudo-inverted — as the authors.
    /// </summary>
    public static Tensor Precision(Tensor transformed, double gamma1, double gamma2)
    {
        using var scope = NewDisposeScope();
        var centred = transformed - transformed.mean([0], keepdim: true);
        var covariance = centred.t().matmul(centred) / (transformed.shape[0] - 1);
        var shrunk = ShrinkCovariance(ShrinkCovariance(covariance, gamma1, gamma2), gamma1, gamma2);
        var sigma = shrunk.diagonal().sqrt();
        var correlation = shrunk / sigma.unsqueeze(1).matmul(sigma.unsqueeze(0));
        return linalg.pinv(correlation).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The authors' modified, squared Mahalanobis distance of every embedding to every class, N × K:
    /// d(e, k) = (û − m̂_k)ᵀ P_k (û − m̂_k), with û = t(e)/‖t(e)‖ (<see cref="Tukey"/>) and m̂_k = μ_k/‖μ_k‖, where μ_k is the
    /// class mean of already transformed embeddings (<paramref name="means"/>, K × D) and P_k its precision
    /// (<paramref name="precisions"/>, K × D × D).
    /// </summary>
    public static Tensor MahalanobisDistances(Tensor features, Tensor means, Tensor precisions, double delta)
    {
        var u = nn.functional.normalize(Tukey(features, delta), p: 2, dim: 1);
        var m = nn.functional.normalize(means, p: 2, dim: 1);
        var columns = new Tensor[means.shape[0]];
        for (int k = 0; k < columns.Length; k++)
        {
            var diff = u - m[k];
            columns[k] = (diff.matmul(precisions[k]) * diff).sum(1);
        }
        return stack(columns, 1);
    }

    /// <summary>
    /// SCAR's forget loss: the mean over the batch of d(e_i, target_i) (<see cref="MahalanobisDistances"/>), which pulls each
    /// forget embedding towards the distribution of its target class (<paramref name="targets"/>: int64 rows of
    /// <paramref name="means"/>).
    /// </summary>
    public static Tensor ForgetLoss(Tensor features, Tensor targets, Tensor means, Tensor precisions, double delta) =>
        MahalanobisDistances(features, means, precisions, delta).gather(1, targets.unsqueeze(1)).mean();

    /// <summary>
    /// The authors' "distillation trick" on surrogate images, class removal: images whose original-model prediction is the
    /// forget class are dropped; in the rest the teacher's forget-class logit is set to the smallest teacher logit of the
    /// batch; then KL(softmax(z_teacher / T) ‖ softmax(z_student)), summed over classes and averaged over the kept images.
    /// The student's logits are not divided by T and there is no T² factor, as the authors. 0 when no image is kept.
    /// </summary>
    public static Tensor SurrogateDistillationLoss(Tensor studentLogits, Tensor teacherLogits, int forgetClass, double temperature)
    {
        var keep = teacherLogits.argmax(1).ne(forgetClass).nonzero().flatten();
        long n = keep.shape[0];
        if (n == 0) return studentLogits.sum() * 0;
        var teacher = teacherLogits.index_select(0, keep);
        var forgetColumn = arange(teacher.shape[1], device: teacher.device).eq(forgetClass).unsqueeze(0);
        teacher = where(forgetColumn, teacher.min(), teacher);
        var logTeacher = nn.functional.log_softmax(teacher / temperature, 1);
        var logStudent = nn.functional.log_softmax(studentLogits.index_select(0, keep), 1);
        return (logTeacher.exp() * (logTeacher - logStudent)).sum() / n;
    }

    /// <summary>
    /// Class statistics of the original model on a seeded sample of at most <paramref name="perClass"/> retain images of
    /// every other class (eval mode, no gradients), then each forget sample's closest other class. Returns the means and
    /// precisions (rows in the order of the other classes) and the target row of each forget sample.
    /// </summary>
    private static (Tensor Means, Tensor Precisions, long[] Targets) PrepareTargets(UnlearningContext context, int perClass,
        double delta, double gamma1, double gamma2, int epochs, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var model = context.Model;
        var labels = context.Train.Set.Labels;
        var rng = context.CreateRandom(2);
        var others = Enumerable.Range(0, context.NumClasses).Where(c => c != context.Split.ForgetClass).ToArray();
        var reference = others.Select(c =>
        {
            var of = context.Split.Retain.Where(i => labels[i] == c).ToArray();
            rng.Shuffle(of);
            return of[..Math.Min(perClass, of.Length)];
        }).ToArray();
        if (reference.Any(r => r.Length < 2))
            throw new InvalidOperationException("SCAR needs at least two retain images of every other class for its class statistics.");
        long total = reference.Sum(r => r.Length) + context.Split.Forget.Length, done = 0;
        void Report() => UnlearningLoop.ReportPreparation(progress, StatisticsStage, epochs, (double)done / total, clock.Elapsed, cancellation);

        model.eval();
        var means = new List<Tensor>();
        var precisions = new List<Tensor>();
        try
        {
            Report();
            foreach (var indices in reference)
            {
                using var scope = NewDisposeScope();
                var transformed = Tukey(Embed(context, indices, ref done, Report), delta).to_type(ScalarType.Float64);
                means.Add(transformed.mean([0]).to_type(ScalarType.Float32).DetachFromDisposeScope());
                precisions.Add(Precision(transformed, gamma1, gamma2).to_type(ScalarType.Float32).DetachFromDisposeScope());
            }
            var meanTensor = stack(means);
            var precisionTensor = stack(precisions);
            try
            {
                long[] targets;
                using (var scope = NewDisposeScope())
                {
                    var features = Embed(context, context.Split.Forget, ref done, Report);
                    using var noGrad = no_grad();
                    targets = MahalanobisDistances(features, meanTensor, precisionTensor, delta).argmin(1).cpu().data<long>().ToArray();
                }
                return (meanTensor, precisionTensor, targets);
            }
            catch
            {
                meanTensor.Dispose();
                precisionTensor.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var t in means.Concat(precisions)) t.Dispose();
        }
    }

    /// <summary>Penultimate embeddings of the given train samples (eval mode, no grad), in chunks; reports after each chunk.</summary>
    private static Tensor Embed(UnlearningContext context, IReadOnlyList<int> indices, ref long done, Action report)
    {
        using var noGrad = no_grad();
        var chunks = new List<Tensor>();
        foreach (var chunk in TensorData.Plan(indices, InferenceChunk, null))
        {
            using (var scope = NewDisposeScope())
            {
                var (x, _) = context.Train.Batch(chunk);
                chunks.Add(context.Model.ForwardWithFeatures(x).Features.MoveToOuterDisposeScope());
            }
            done += chunk.Length;
            report();
        }
        return cat(chunks, 0);
    }
}

/// <summary>
/// Hyperparameters of <see cref="Scar"/>: the authors' CIFAR-10 class-removal settings as defaults (README example and
/// <c>opts.py</c>), compact defaults: see <see cref="HyperparameterAttribute.Compact"/> and docs/methods.md, "SCAR".
/// </summary>
public sealed record ScarOptions(
    [Epochs(30, Compact = 4)] int Epochs,
    [Hyperparameter(HyperparameterSpec.LearningRateName, "Learning rate", 5e-4, 1e-6, 1,
        "Adam learning rate (no weight decay, constant over the run).", Grid = true, Compact = 5e-4)]
    double LearningRate,
    [Hyperparameter(HyperparameterSpec.BatchSizeName, "Batch size", 1024, 1, 4096,
        "Forget images per step; each step also distils on as many surrogate images.", Grid = true, Compact = 256)]
    int BatchSize,
    [Hyperparameter(Scar.Lambda1Name, "λ1 (forget weight)", 1, 0, 100,
        "Weight of the Mahalanobis distance that pulls each forget embedding towards its closest other class.")]
    double Lambda1,
    [Hyperparameter(Scar.Lambda2Name, "λ2 (distillation weight)", 5, 0, 100,
        "Weight of the KL divergence to the original model on the out-of-distribution surrogate images.")]
    double Lambda2,
    [Hyperparameter(Scar.TemperatureName, "T (teacher temperature)", 1, 0.1, 100,
        "The original model's logits are divided by T before the softmax; the student's are not (as the authors).")]
    double KdTemperature,
    [Hyperparameter(Scar.DeltaName, "δ (Tukey exponent)", 0.5, 0.05, 2,
        "Embeddings are raised to the power δ before the class statistics and the distances.")]
    double TukeyDelta,
    [Hyperparameter(Scar.Gamma1Name, "γ1 (diagonal shrinkage)", 3, 0, 100,
        "Adds γ1 × (mean variance) to the diagonal of each class covariance (applied twice, as the authors).")]
    double Gamma1,
    [Hyperparameter(Scar.Gamma2Name, "γ2 (off-diagonal shrinkage)", 3, 0, 100,
        "Adds γ2 × (mean non-zero covariance) off the diagonal of each class covariance (applied twice, as the authors).")]
    double Gamma2,
    [Hyperparameter(Scar.SurrogateStepsName, "Surrogate batches per forget batch", 6, 1, 100,
        "Steps taken on each forget batch, each with a fresh batch of surrogate images.", Compact = 2)]
    int SurrogateSteps,
    [Hyperparameter(Scar.SurrogateCountName, "Surrogate images", 10000, 64, 100000,
        "Out-of-distribution images generated from the seed: half patch mosaics of forget images, half random shapes; never retain or test images.", Compact = 5000)]
    int SurrogateImages,
    [Hyperparameter(Scar.StatsPerClassName, "Reference images per class", 5000, 2, 100000,
        "Retain images per other class (a seeded sample, no gradients) whose embeddings give the class means and covariances; the authors use all.", Compact = 500)]
    int StatsPerClass,
    [Hyperparameter(Scar.StopAccuracyName, "Stop at forget accuracy", 0.01, 0, 1,
        "From the third epoch on, stop when the forget-set accuracy falls below this; 0 = run every epoch.")]
    double StopAccuracy);
