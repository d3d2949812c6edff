using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Bad Teacher (Chundawat, Tarun, Mandal, Kankanhalli, "Can Bad Teaching Induce Forgetting? Unlearning in Deep Networks
/// Using an Incompetent Teacher", AAAI 2023; docs/methods.md, "Bad Teacher"): the student (the model, starting from the
/// trained one) distils from two frozen teachers at once — on forget samples (u = 1) from an incompetent teacher, a
/// randomly initialised model of the same architecture, and on retain samples (u = 0) from the competent teacher, a copy
/// of the trained model. Per batch: t = u·softmax(z_bad / T) + (1 − u)·softmax(z_good / T),
/// loss = KL(t ‖ softmax(z_student / T)) averaged over the batch. Each epoch visits every forget sample and a seeded
/// random subset of the retain set (the paper: 30 %), shuffled together. Adam, as the paper, not our built-ins' SGD.
/// </summary>
public sealed class BadTeacher : UnlearningMethod<BadTeacherOptions>
{
    public const string TemperatureName = "kd_temperature";

    public override string Name => "BadTeacher";
    public override string DisplayName => "Bad Teacher";
    public override string Description =>
        "Distils the forget set from a randomly initialised (incompetent) teacher and the retain set from the trained (competent) one.";

    public override UnlearningResult Run(UnlearningContext context, BadTeacherOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr, batchSize, temperature, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var subsetRng = context.CreateRandom(2);
        var forgetSet = context.Split.Forget.ToHashSet();

        // The seed fixes the incompetent teacher's random initialisation, so runs repeat.
        Training.Trainer.Seed(context.Seed);
        using var incompetent = context.CreateModel();
        incompetent.to(context.Device);
        incompetent.eval();
        foreach (var p in incompetent.parameters()) p.requires_grad = false;
        using var competent = context.CreateFrozenCopy();
        // PyTorch's Adam defaults (β₂ = 0.999; TorchSharp's default is 0.99), no weight decay, as the authors' code.
        using var optimizer = optim.Adam(model.parameters(), lr, beta1: 0.9, beta2: 0.999, eps: 1e-8);

        int perEpoch = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length + context.Split.Forget.Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            var samples = RetainForEpoch(context, subsetRng, fraction).Concat(context.Split.Forget).ToArray();
            foreach (var batch in TensorData.Plan(samples, batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                // u = 1 for the samples of the forget set (membership, not label: the same for a class forget set).
                var isForget = tensor(batch.Select(i => forgetSet.Contains((int)i)).ToArray(), device: context.Device);
                Tensor good, bad;
                using (no_grad())
                {
                    good = competent.call(x);
                    bad = incompetent.call(x);
                }
                optimizer.zero_grad();
                var logits = model.call(x);
                Loss(logits, good, bad, isForget, temperature).backward();
                optimizer.step();
                var retain = isForget.logical_not();
                loop.AfterBatch(logits[retain], y[retain]);
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }

    /// <summary>
    /// The bad-teaching objective (docs/methods.md, "Bad Teacher"): with t = u·softmax(z_bad / T) + (1 − u)·softmax(z_good / T),
    /// KL(t ‖ softmax(z_student / T)) = Σ_classes t·(log t − log softmax(z_student / T)), averaged over the batch
    /// (PyTorch's <c>kl_div(log_softmax(student / T), t, reduction='batchmean')</c>). As u is 0 or 1, log t is the chosen
    /// teacher's log-softmax, which stays finite where a confident teacher's probabilities underflow to 0.
    /// </summary>
    /// <param name="studentLogits">z_student, N×C.</param>
    /// <param name="competentLogits">z_good, the trained teacher's logits, N×C.</param>
    /// <param name="incompetentLogits">z_bad, the random teacher's logits, N×C.</param>
    /// <param name="isForget">u, N booleans: true for forget samples.</param>
    /// <param name="temperature">T.</param>
    public static Tensor Loss(Tensor studentLogits, Tensor competentLogits, Tensor incompetentLogits, Tensor isForget, double temperature)
    {
        // Written out rather than with TorchSharp's kl_div, whose log_target defaults to true (PyTorch's to false).
        var logTeacher = where(isForget.unsqueeze(1),
            nn.functional.log_softmax(incompetentLogits / temperature, 1),
            nn.functional.log_softmax(competentLogits / temperature, 1));
        var logStudent = nn.functional.log_softmax(studentLogits / temperature, 1);
        return (logTeacher.exp() * (logTeacher - logStudent)).sum() / studentLogits.shape[0];
    }
}

/// <summary>
/// Hyperparameters of <see cref="BadTeacher"/>: the paper's recipe by default (1 epoch, Adam lr 1e-4, batch 256, T = 1, 30 % of
/// the retain set), and for the compact model a calibrated learning rate (docs/methods.md, "Bad Teacher"); see
/// <see cref="HyperparameterAttribute.Compact"/>.
/// </summary>
public sealed record BadTeacherOptions(
    [Epochs(1)] int Epochs,
    [Hyperparameter(HyperparameterSpec.LearningRateName, "Learning rate", 1e-4, 1e-6, 1,
        "Adam learning rate (β = 0.9, 0.999; no weight decay), as the paper.", Grid = true, Compact = 3e-4)]
    double LearningRate,
    [BatchSize(256)] int BatchSize,
    [Hyperparameter(BadTeacher.TemperatureName, "T (distillation temperature)", 1, 0.1, 100,
        "Softmax temperature of both teachers and the student.")]
    double KdTemperature,
    [RetainFraction(0.3)] double RetainFraction);
