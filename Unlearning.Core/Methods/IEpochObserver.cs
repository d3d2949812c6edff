using Unlearning.Core.Models;

namespace Unlearning.Core.Methods;

/// <summary>
/// Looks at the model once before the first epoch (epoch 0) and after every epoch of an <see cref="UnlearningLoop"/>
/// (docs/metrics.md, "Per-epoch metrics"). The loop stops the RT clock while it runs, so its time is not part of RT. It must
/// leave the model as it found it (weights, train/eval mode) and must not draw from LibTorch's random generator, so that a run
/// with an observer produces the same model as one without.
/// </summary>
public interface IEpochObserver
{
    /// <summary>Called with <paramref name="epoch"/> = 0 before training and 1, 2, … after each epoch; throws on cancellation.</summary>
    void OnEpoch(int epoch, Classifier model, CancellationToken cancellation);
}
