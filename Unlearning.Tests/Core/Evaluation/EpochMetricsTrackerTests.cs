using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation;

/// <summary>
/// Per-epoch metrics (docs/metrics.md, "Per-epoch metrics") on the tiny synthetic dataset: a tracked run trains the same model as
/// an untracked one, the observer's time stays out of RT, and the records agree with independent computations (Trainer's accuracy
/// pass, LibTorch's float32 softmax, the privacy score of a model against itself).
/// </summary>
[Collection("Torch")]
public sealed class EpochMetricsTrackerTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    private static readonly Dictionary<string, double> FineTuningRun = new() { ["epochs"] = 3, ["learning_rate"] = 0.1, ["batch_size"] = 8 };

    private Classifier CopyOfOriginal()
    {
        var model = SyntheticUnlearningData.CreateModel();
        using (no_grad()) model.load_state_dict(data.Original.state_dict());
        return model;
    }

    private EpochMetricsTracker Tracker(ForgetSplit? split = null, (double[] E, double[] C)? retrained = null) =>
        new(data.Train, data.Test, split ?? data.Split, retrained?.E, retrained?.C, seed: 2048);

    [Fact]
    public void A_tracked_run_trains_the_same_model_and_records_epochs_plus_one_entries()
    {
        var method = new FineTuning();
        var plain = data.Context(method, FineTuningRun);
        method.Run(plain, new Progress<UnlearningProgress>(), CancellationToken.None);

        var tracker = Tracker();
        var baseCtx = data.Context(method, FineTuningRun);
        var tracked = new UnlearningContext(baseCtx.Model, baseCtx.CreateModel, baseCtx.Train, baseCtx.Test, baseCtx.Split, baseCtx.Device, baseCtx.Seed,
            baseCtx.Hyperparameters) { EpochObserver = tracker };
        method.Run(tracked, new Progress<UnlearningProgress>(), CancellationToken.None);

        var a = plain.Model.state_dict();
        var b = tracked.Model.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, t) in a)
            Assert.True(t.eq(b[name]).all().item<bool>(), $"{name} differs between the untracked and the tracked run");

        var m = tracker.Metrics;
        Assert.Equal(4, m.Count);
        foreach (var key in EpochMetrics.Keys) Assert.Equal(4, m.Series(key).Count);
        Assert.All(m.PS, v => Assert.Null(v));   // no Retrained model given
        Assert.All(m.TUA, v => Assert.NotNull(v)); // a class set has TUA
        Assert.All(m.Seconds, s => Assert.True(s > 0));
        // The last record is the final model: its UA is the trained model's forget-class accuracy by Trainer's own pass.
        var (_, perClass) = Trainer.Accuracy(tracked.Model, data.Train);
        Assert.Equal(perClass[SyntheticUnlearningData.ForgetClass], m.UA[^1]!.Value, 9);
        plain.Model.Dispose();
        tracked.Model.Dispose();
    }

    [Fact]
    public void Epoch_zero_agrees_with_independent_computations()
    {
        using var model = CopyOfOriginal();
        // The model's own forget-sample signals as the "Retrained" reference: identical sets give FPR = TPR at every threshold,
        // so ε̂ = 0, every attack score is 0 and PS = 1.
        var own = Signals(model);
        var tracker = Tracker(retrained: own);
        tracker.OnEpoch(0, model, CancellationToken.None);
        var m = tracker.Metrics;

        int fc = SyntheticUnlearningData.ForgetClass;
        var (_, train) = Trainer.Accuracy(model, data.Train);
        var (_, test) = Trainer.Accuracy(model, data.Test);
        Assert.Equal(train[fc], m.UA[0]!.Value, 9);
        Assert.Equal(train.Where((_, c) => c != fc).Average(), m.RA[0]!.Value, 9);
        Assert.Equal(test[fc], m.TUA[0]!.Value, 9);
        Assert.Equal(test.Where((_, c) => c != fc).Average(), m.TRA[0]!.Value, 9);
        Assert.Equal(1.0, m.PS[0]!.Value, 12);

        // C-MIA from LibTorch's float32 softmax through the fitted shadow SVM; one sample near the boundary may round differently.
        var (confidenceSvm, entropySvm) = tracker.Shadow!.Value;
        var (trueClass, entropy) = TorchFeatures(model, data.Split.Forget);
        double tolerance = 1.0 / data.Split.Forget.Length + 1e-12;
        Assert.Equal(trueClass.Count(p => !confidenceSvm.IsMember(p)) / (double)trueClass.Length, m.CMia[0]!.Value, tolerance);
        Assert.Equal(entropy.Count(e => !entropySvm.IsMember(e)) / (double)entropy.Length, m.EMia[0]!.Value, tolerance);
    }

    [Fact]
    public void A_sample_set_has_no_TUA_and_the_whole_test_accuracy_as_TRA()
    {
        // 30 samples of class 3 and 30 of class 5 (the synthetic train set interleaves classes: index i has class i % 10).
        int[] forget = [.. Enumerable.Range(0, data.Train.Count).Where(i => i % 10 is 3 or 5).Take(60)];
        var split = ForgetSplit.FromIndexes(data.Splits, forget);
        using var model = CopyOfOriginal();
        var tracker = Tracker(split);
        tracker.OnEpoch(0, model, CancellationToken.None);
        var m = tracker.Metrics;
        Assert.Null(m.TUA[0]);
        Assert.Equal(Trainer.Accuracy(model, data.Test).Overall, m.TRA[0]!.Value, 9);
        Assert.Equal(UnlearningLoop.Evaluate(model, data.Train, split.Forget).Accuracy, m.UA[0]!.Value, 9);
        Assert.Equal(UnlearningLoop.Evaluate(model, data.Train, split.Retain).Accuracy, m.RA[0]!.Value, 9);
    }

    [Fact]
    public void The_model_mode_is_restored_and_records_come_in_order()
    {
        using var model = CopyOfOriginal();
        var tracker = Tracker();
        model.train();
        tracker.OnEpoch(0, model, CancellationToken.None);
        Assert.True(model.training);
        model.eval();
        tracker.OnEpoch(1, model, CancellationToken.None);
        Assert.False(model.training);
        Assert.Throws<InvalidOperationException>(() => tracker.OnEpoch(3, model, CancellationToken.None));
        Assert.Equal(2, tracker.Metrics.Count);
    }

    [Fact]
    public void Cancellation_stops_a_record()
    {
        using var model = CopyOfOriginal();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Tracker().OnEpoch(0, model, cts.Token));
    }

    /// <summary>Sleeps in every call: its time must not be part of RT.</summary>
    private sealed class SlowObserver(TimeSpan delay) : IEpochObserver
    {
        public List<int> Epochs { get; } = [];

        public void OnEpoch(int epoch, Classifier model, CancellationToken cancellation)
        {
            Epochs.Add(epoch);
            Thread.Sleep(delay);
        }
    }

    [Fact]
    public void The_observer_sees_epoch_zero_and_every_epoch_outside_RT()
    {
        var method = new FineTuning();
        var hp = new Dictionary<string, double> { ["epochs"] = 2, ["learning_rate"] = 0.1, ["batch_size"] = 32 };
        var plain = data.Context(method, hp);
        double untracked = method.Run(plain, new Progress<UnlearningProgress>(), CancellationToken.None).RunTimeSeconds;

        var observer = new SlowObserver(TimeSpan.FromSeconds(1.5));
        var ctx = data.Context(method, hp);
        var observed = new UnlearningContext(ctx.Model, ctx.CreateModel, ctx.Train, ctx.Test, ctx.Split, ctx.Device, ctx.Seed, ctx.Hyperparameters)
            { EpochObserver = observer };
        var recording = new List<int>();
        var progress = new CallbackProgress<UnlearningProgress>(p => { if (p.Stage == UnlearningProgress.EpochMetricsStage) recording.Add(p.Epoch); });
        double tracked = method.Run(observed, progress, CancellationToken.None).RunTimeSeconds;

        Assert.Equal([0, 1, 2], observer.Epochs);
        Assert.Equal([0, 1, 2], recording);   // the job panel is told while a record is made
        // 4.5 s of sleeping; the run itself takes well under a second here, so RT must stay far below the sleep.
        Assert.True(tracked < untracked + 2.0, $"RT {tracked} s with a 4.5 s observer, {untracked} s without");
        plain.Model.Dispose();
        observed.Model.Dispose();
    }

    private (double[] E, double[] C) Signals(Classifier model)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, _) = data.Train.Batch([.. data.Split.Forget.Select(i => (long)i)]);
        return MiaSignals.Compute(model.call(x));
    }

    /// <summary>True-class probability and softmax entropy (T = 1) of the given train samples in float32 LibTorch arithmetic.</summary>
    private (double[] TrueClass, double[] Entropy) TorchFeatures(Classifier model, int[] indices)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, y) = data.Train.Batch([.. indices.Select(i => (long)i)]);
        var p = nn.functional.softmax(model.call(x), 1);
        var trueClass = p.gather(1, y.unsqueeze(1)).squeeze(1).to(ScalarType.Float64).data<double>().ToArray();
        var entropy = (-(p * p.clamp_min(1e-30).log()).sum(1)).to(ScalarType.Float64).data<double>().ToArray();
        return (trueClass, entropy);
    }
}
