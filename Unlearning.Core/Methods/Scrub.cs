using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// SCRUB as the original repository implements it (docs/methods.md, "SCRUB"), a teacher–student method. The teacher is a
/// frozen copy of the base model. Before timing, a diagonal Fisher information F is estimated on retain batches
/// (eval mode) until ≥ 1,000 samples: F_p = Σ_batches (∂CE/∂θ_p)² / n. Each epoch then runs
/// <list type="number">
/// <item>a max-step over the forget set: loss = −α·KD; each gradient divided element-wise by (F_p + 1e-8)
/// ("Fisher-weighted dampening"); global norm clipped at 1; step;</item>
/// <item>a min-step over the retain set: loss = α·KD + γ·CE(true labels); clipped at 1; step,</item>
/// </list>
/// where KD = T²·KL(p_teacher ‖ p_student), p = softmax(logits / T), reduction batchmean. MultiStepLR([80,120], 0.2).
/// </summary>
public sealed class Scrub : UnlearningMethod<ScrubOptions>
{
    public const string AlphaName = "alpha";
    public const string GammaName = "gamma";
    public const string TemperatureName = "kd_temperature";
    public const string FisherStage = "Computing Fisher Information";
    /// <summary>Retain samples the Fisher estimate uses at least (docs/methods.md, "SCRUB": 1,000).</summary>
    public const int FisherSamples = 1000;
    private const double ClipNorm = 1.0;

    public override string Name => "SCRUB";
    public override string DisplayName => "SCRUB";
    public override string Description =>
        "Teacher–student: moves the student away from the teacher on the forget set (Fisher-weighted) and keeps it close to the teacher and the true labels on the retain set.";

    public override UnlearningResult Run(UnlearningContext context, ScrubOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, alpha, gamma, temperature, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var subsetRng = context.CreateRandom(2);
        Training.Trainer.Seed(context.Seed);

        using var teacher = context.CreateFrozenCopy();
        var fisher = ComputeFisher(context, shuffle, batchSize, epochs, progress, cancellation);
        try
        {
            using var optimizer = CreateSgd(model, lr0);
            var parameters = model.parameters().ToArray();
            int perEpoch = BatchCount(context.Split.Forget.Length, batchSize)
                + BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
            var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
            loop.Start();
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                double lr = MultiStepLr(lr0, epoch);
                SetLearningRate(optimizer, lr);
                model.train();
                // Max-step (the original performs it while epoch < msteps = 100, i.e. always in practice).
                foreach (var batch in TensorData.Plan(context.Split.Forget, batchSize, shuffle))
                {
                    loop.BeforeBatch();
                    using var scope = NewDisposeScope();
                    var (x, _) = context.Train.Batch(batch);
                    optimizer.zero_grad();
                    var loss = -alpha * DistillationLoss(model.call(x), TeacherLogits(teacher, x), temperature);
                    loss.backward();
                    for (int i = 0; i < parameters.Length; i++)
                        parameters[i].grad?.div_(fisher[i] + 1e-8);
                    ClipGradients(model, ClipNorm);
                    optimizer.step();
                    loop.AfterBatch();
                }
                // Min-step on retain data.
                foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsetRng, fraction), batchSize, shuffle))
                {
                    loop.BeforeBatch();
                    using var scope = NewDisposeScope();
                    var (x, y) = context.Train.Batch(batch);
                    optimizer.zero_grad();
                    var logits = model.call(x);
                    var loss = alpha * DistillationLoss(logits, TeacherLogits(teacher, x), temperature)
                             + gamma * nn.functional.cross_entropy(logits, y);
                    loss.backward();
                    ClipGradients(model, ClipNorm);
                    optimizer.step();
                    loop.AfterBatch(logits, y);
                }
                loop.EndEpoch(lr);
            }
            return loop.Finish();
        }
        finally
        {
            foreach (var f in fisher) f.Dispose();
        }
    }

    /// <summary>KD = T²·KL(p_teacher ‖ p_student), p = softmax(z / T), summed over classes and averaged over the batch.</summary>
    public static Tensor DistillationLoss(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        var logStudent = nn.functional.log_softmax(studentLogits / temperature, 1);
        var logTeacher = nn.functional.log_softmax(teacherLogits / temperature, 1);
        var kl = (logTeacher.exp() * (logTeacher - logStudent)).sum() / studentLogits.shape[0];
        return kl * (temperature * temperature);
    }

    private static Tensor TeacherLogits(Classifier teacher, Tensor x)
    {
        using var noGrad = no_grad();
        return teacher.call(x);
    }

    /// <summary>Diagonal Fisher on shuffled retain batches until ≥ <see cref="FisherSamples"/> samples, eval mode (not timed).</summary>
    private static Tensor[] ComputeFisher(UnlearningContext context, Random shuffle, int batchSize, int epochs,
        IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var model = context.Model;
        var parameters = model.parameters().ToArray();
        var fisher = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        try
        {
            model.eval();
            int seen = 0;
            UnlearningLoop.ReportPreparation(progress, FisherStage, epochs, 0, clock.Elapsed, cancellation);
            foreach (var batch in TensorData.Plan(context.Split.Retain, batchSize, shuffle))
            {
                if (seen >= FisherSamples) break;
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                model.zero_grad();
                nn.functional.cross_entropy(model.call(x), y).backward();
                using (no_grad())
                    for (int i = 0; i < parameters.Length; i++)
                        if (parameters[i].grad is { } g) fisher[i].add_(g.square());
                seen += batch.Length;
                UnlearningLoop.ReportPreparation(progress, FisherStage, epochs, Math.Min(1.0, (double)seen / FisherSamples), clock.Elapsed, cancellation);
            }
            using (no_grad())
                foreach (var f in fisher) f.div_(Math.Max(1, seen));
            model.zero_grad();
            return fisher;
        }
        catch
        {
            foreach (var f in fisher) f.Dispose();
            throw;
        }
    }
}

/// <summary>Hyperparameters of <see cref="Scrub"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record ScrubOptions(
    [Epochs(5, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.02)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(Scrub.AlphaName, "α (distillation weight)", 0.5, 0, 100, "Weight of the teacher–student KL divergence in both steps.")]
    double Alpha,
    [Hyperparameter(Scrub.GammaName, "γ (retain CE weight)", 1.0, 0, 100, "Weight of the cross-entropy on retain labels in the min-step.")]
    double Gamma,
    [Hyperparameter(Scrub.TemperatureName, "T (distillation temperature)", 2.0, 0.1, 100, "Softmax temperature of the KL term; the term is multiplied by T².")]
    double KdTemperature,
    [RetainFraction(Compact = 0.3)] double RetainFraction);
