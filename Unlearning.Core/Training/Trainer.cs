using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Training;

/// <summary>Trains Original and Retrained models (docs/methods.md, "Original and Retrained recipes") and measures accuracy.</summary>
public static class Trainer
{
    /// <summary>Seeds LibTorch's global generator so that weight initialisation is reproducible.</summary>
    public static void Seed(long seed) => torch.manual_seed(seed);

    /// <summary>
    /// Cosine annealing as PyTorch's CosineAnnealingLR(T_max = epochs, eta_min) evaluated at epoch e:
    /// η_e = η_min + (η₀ − η_min)(1 + cos(π e / T)) / 2.
    /// </summary>
    public static double CosineLr(double lr0, double etaMin, int epoch, int totalEpochs) =>
        etaMin + (lr0 - etaMin) * (1 + Math.Cos(Math.PI * epoch / totalEpochs)) / 2;

    /// <summary>
    /// One-cycle learning rate at batch <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>: with
    /// W = round(w·T) warm-up steps, η = η₀/10 + (η₀ − η₀/10)·s/W for s &lt; W, then η = η₀(1 + cos(π (s − W)/(T − W)))/2.
    /// </summary>
    public static double OneCycleLr(double lr0, int step, int totalSteps, double warmupFraction)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "At least one step.");
        int warm = (int)Math.Round(warmupFraction * totalSteps, MidpointRounding.AwayFromZero);
        warm = Math.Clamp(warm, 0, totalSteps - 1);
        if (step < warm) return lr0 / 10 + (lr0 - lr0 / 10) * step / warm;
        return lr0 * (1 + Math.Cos(Math.PI * (step - warm) / (totalSteps - warm))) / 2;
    }

    /// <summary>
    /// Trains <paramref name="model"/> in place on the given train indices. One dispose scope per batch;
    /// cancellation is checked before every batch.
    /// </summary>
    public static TrainResult Train(Classifier model, TensorData train, IReadOnlyList<int> indices, TrainOptions options,
        IProgress<TrainProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        var rng = new Random(unchecked((int)options.Seed));
        var augmentRng = new Random(unchecked((int)(options.Seed * 31 + 7)));
        using var optimizer = optim.SGD(model.parameters(), options.LearningRate, options.Momentum,
            weight_decay: options.WeightDecay, nesterov: options.Nesterov);
        var epochs = new List<(double, double)>();
        var clock = Stopwatch.StartNew();
        long images = 0;
        int totalBatches = (indices.Count + options.BatchSize - 1) / options.BatchSize;
        bool perBatch = options.Schedule == LrSchedule.OneCycle;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            double lr = CosineLr(options.LearningRate, 0, epoch, options.Epochs);
            if (!perBatch) SetLr(optimizer, lr);
            model.train();
            var plan = TensorData.Plan(indices, options.BatchSize, rng);
            double lossSum = 0; long correct = 0, seen = 0;
            for (int b = 0; b < plan.Length; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (perBatch)
                {
                    lr = OneCycleLr(options.LearningRate, epoch * totalBatches + b, options.Epochs * totalBatches, options.WarmupFraction);
                    SetLr(optimizer, lr);
                }
                using var scope = NewDisposeScope();
                var (x, y) = train.Batch(plan[b], options.Augment ? augmentRng : null);
                optimizer.zero_grad();
                var logits = model.call(x);
                var loss = nn.functional.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * plan[b].Length;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += plan[b].Length;
                images += plan[b].Length;
                if (progress is not null)
                    progress.Report(Make(epoch, b, plan.Length, lossSum / seen, (double)correct / seen, lr, clock.Elapsed, options.Epochs, false));
            }
            epochs.Add((lossSum / seen, (double)correct / seen));
            progress?.Report(Make(epoch, totalBatches - 1, totalBatches, lossSum / seen, (double)correct / seen, lr, clock.Elapsed, options.Epochs, true));
        }
        clock.Stop();
        return new TrainResult(clock.Elapsed.TotalSeconds, epochs, images / Math.Max(1e-9, clock.Elapsed.TotalSeconds));

        static void SetLr(optim.Optimizer optimizer, double lr)
        {
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
        }

        static TrainProgress Make(int epoch, int b, int nb, double loss, double acc, double lr, TimeSpan elapsed, int totalEpochs, bool end)
        {
            double done = epoch + (b + 1.0) / nb;
            TimeSpan? eta = done > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (totalEpochs - done)) : null;
            return new TrainProgress(epoch + 1, totalEpochs, b + 1, nb, loss, acc, lr, elapsed, eta, end);
        }
    }

    /// <summary>Predicted class of every sample in <paramref name="indices"/> (eval mode, no grad, batched).</summary>
    public static int[] Predict(Classifier model, TensorData data, IReadOnlyList<int>? indices = null, int batchSize = 500,
        CancellationToken cancellation = default)
    {
        indices ??= Enumerable.Range(0, data.Count).ToArray();
        model.eval();
        var result = new int[indices.Count];
        using var noGrad = no_grad();
        var plan = TensorData.Plan(indices, batchSize, null);
        int offset = 0;
        foreach (var batch in plan)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, _) = data.Batch(batch);
            var pred = model.call(x).argmax(1).to(CPU).data<long>().ToArray();
            for (int i = 0; i < pred.Length; i++) result[offset + i] = (int)pred[i];
            offset += pred.Length;
        }
        return result;
    }

    /// <summary>Overall and per-class accuracy of the model on a whole split.</summary>
    public static (double Overall, double[] PerClass) Accuracy(Classifier model, TensorData data, CancellationToken cancellation = default)
    {
        var pred = Predict(model, data, cancellation: cancellation);
        var labels = data.Set.Labels;
        int k = data.Info.NumClasses;
        var correct = new int[k];
        var total = new int[k];
        for (int i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (pred[i] == labels[i]) correct[labels[i]]++;
        }
        return ((double)correct.Sum() / labels.Length, [.. Enumerable.Range(0, k).Select(c => total[c] == 0 ? 0 : (double)correct[c] / total[c])]);
    }
}
