using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// The bookkeeping every method's loop shares (docs/methods.md, "Common scaffolding", steps 5–6): the RT clock, cancellation before and
/// after every batch, per-batch progress with an ETA, and after every epoch the forget-set loss/accuracy in eval
/// mode (inside RT, as the original). Plug-ins may use it too. When the context has an <see cref="UnlearningContext.EpochObserver"/>,
/// it is called before the clock starts (epoch 0) and after every epoch with the clock stopped, so that its time is not part of
/// RT (docs/metrics.md, "Per-epoch metrics").
/// </summary>
public sealed class UnlearningLoop
{
    private readonly UnlearningContext _context;
    private readonly IProgress<UnlearningProgress> _progress;
    private readonly CancellationToken _cancellation;
    private readonly Stopwatch _clock = new();
    private readonly List<EpochLog> _epochs = [];
    private readonly int _totalEpochs;
    private readonly int _batchesPerEpoch;
    private int _batchInEpoch;
    private long _retainCorrect, _retainSeen;
    private EpochLog? _last;

    /// <param name="batchesPerEpoch">Batches one epoch runs (all passes together), for the fraction and ETA.</param>
    public UnlearningLoop(UnlearningContext context, IProgress<UnlearningProgress> progress, CancellationToken cancellation,
        int totalEpochs, int batchesPerEpoch)
    {
        _context = context;
        _progress = progress;
        _cancellation = cancellation;
        _totalEpochs = totalEpochs;
        _batchesPerEpoch = Math.Max(1, batchesPerEpoch);
    }

    public int EpochsDone => _epochs.Count;

    /// <summary>Starts the RT clock: call after all preparation (Fisher, saliency, teacher copy). The epoch observer sees epoch 0 first.</summary>
    public void Start()
    {
        _cancellation.ThrowIfCancellationRequested();
        Observe(0);
        _clock.Restart();
        Report(0);
    }

    /// <summary>Throws when cancellation was requested; call before every batch.</summary>
    public void BeforeBatch() => _cancellation.ThrowIfCancellationRequested();

    /// <summary>
    /// Counts a finished batch and reports progress. Pass the logits and labels of a retain batch to track the
    /// running retain accuracy. Throws at once when cancellation was requested (e.g. from the progress callback).
    /// </summary>
    public void AfterBatch(Tensor? retainLogits = null, Tensor? retainLabels = null)
    {
        if (retainLogits is not null && retainLabels is not null)
        {
            using var scope = NewDisposeScope();
            _retainCorrect += retainLogits.detach().argmax(1).eq(retainLabels).sum().item<long>();
            _retainSeen += retainLabels.shape[0];
        }
        _batchInEpoch++;
        Report((EpochsDone + Math.Min(1.0, (double)_batchInEpoch / _batchesPerEpoch)) / _totalEpochs);
        _cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>Ends an epoch: evaluates the forget set (eval mode, no grad), logs and reports it.</summary>
    public EpochLog EndEpoch(double learningRate)
    {
        var (loss, accuracy) = Evaluate(_context.Model, _context.Train, _context.Split.Forget, _cancellation);
        double? retain = _retainSeen > 0 ? (double)_retainCorrect / _retainSeen : null;
        _last = new EpochLog(EpochsDone + 1, learningRate, loss, accuracy, retain, _clock.Elapsed.TotalSeconds);
        _epochs.Add(_last);
        _batchInEpoch = 0;
        _retainCorrect = _retainSeen = 0;
        if (_context.EpochObserver is not null)
        {
            _clock.Stop();
            Observe(EpochsDone);
            _clock.Start();
        }
        Report((double)EpochsDone / _totalEpochs);
        _cancellation.ThrowIfCancellationRequested();
        return _last;
    }

    /// <summary>Stops the clock; RT rounded to 0.1 s (docs/metrics.md, "Run time (RT)").</summary>
    public UnlearningResult Finish()
    {
        _clock.Stop();
        return new UnlearningResult(Math.Round(_clock.Elapsed.TotalSeconds, 1), _epochs.ToArray());
    }

    /// <summary>Runs the epoch observer, if any, and tells the progress display.</summary>
    private void Observe(int epoch)
    {
        if (_context.EpochObserver is not { } observer) return;
        _progress.Report(new UnlearningProgress(UnlearningProgress.EpochMetricsStage, epoch, _totalEpochs, _last?.ForgetLoss, _last?.ForgetAccuracy,
            _last?.RetainAccuracy, _totalEpochs > 0 ? Math.Clamp((double)epoch / _totalEpochs, 0, 1) : 0, _clock.Elapsed, null));
        observer.OnEpoch(epoch, _context.Model, _cancellation);
        _cancellation.ThrowIfCancellationRequested();
    }

    private void Report(double fraction)
    {
        var elapsed = _clock.Elapsed;
        TimeSpan? eta = fraction > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds / fraction * (1 - fraction)) : null;
        double? runningRetain = _retainSeen > 0 ? (double)_retainCorrect / _retainSeen : _last?.RetainAccuracy;
        _progress.Report(new UnlearningProgress(UnlearningProgress.UnlearningStage, EpochsDone, _totalEpochs,
            _last?.ForgetLoss, _last?.ForgetAccuracy, runningRetain, Math.Clamp(fraction, 0, 1), elapsed, eta));
    }

    /// <summary>Reports a preparation stage (before the RT clock starts) and checks cancellation.</summary>
    public static void ReportPreparation(IProgress<UnlearningProgress> progress, string stage, int totalEpochs, double fraction,
        TimeSpan elapsed, CancellationToken cancellation)
    {
        progress.Report(new UnlearningProgress(stage, 0, totalEpochs, null, null, null, Math.Clamp(fraction, 0, 1), elapsed, null));
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>Mean cross-entropy and accuracy of <paramref name="model"/> on the given samples (eval mode, no grad, batches of 500).</summary>
    public static (double Loss, double Accuracy) Evaluate(Classifier model, TensorData data, IReadOnlyList<int> indices,
        CancellationToken cancellation = default)
    {
        if (indices.Count == 0) return (0, 0);
        model.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        foreach (var batch in TensorData.Plan(indices, 500, null))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = data.Batch(batch);
            var logits = model.call(x);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / indices.Count, (double)correct / indices.Count);
    }
}
