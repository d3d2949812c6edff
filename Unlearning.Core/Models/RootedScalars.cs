using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// Native <see cref="Scalar"/>s that live as long as the process, for the per-batch calls of our models
/// (docs/architecture.md, "Native Scalar lifetime"). TorchSharp 0.107 turns a .NET number such as <c>1</c> into a new
/// <see cref="Scalar"/> that owns a native <c>c10::Scalar</c>, passes only its raw handle to LibTorch and never keeps the
/// object alive during the call. A garbage collection during that call lets the finalizer thread delete the
/// <c>c10::Scalar</c> while LibTorch still reads it (the Retrain abort "Expected false to be true ... toLong at Scalar.h:140").
/// A static field keeps the object reachable, so it is never finalized. LibTorch only reads a Scalar (it is passed
/// as <c>const c10::Scalar&amp;</c>), so one instance may be shared by every thread.
/// </summary>
internal static class RootedScalars
{
    /// <summary>The <c>int</c> 1 exactly as TorchSharp's implicit conversion makes it (an int32 Scalar), so results are unchanged.</summary>
    public static readonly Scalar One = 1;
}

/// <summary>
/// 2-D batch normalisation that computes exactly what TorchSharp's <c>nn.BatchNorm2d</c> computes (same parameters,
/// buffers, state-dict keys and initial values; the same <c>batch_norm</c> call), except that the per-batch
/// <c>num_batches_tracked += 1</c> uses <see cref="RootedScalars.One"/> instead of a temporary Scalar that the garbage
/// collector can free while LibTorch reads it (docs/architecture.md, "Native Scalar lifetime").
/// </summary>
public sealed class ScalarSafeBatchNorm2d : TorchSharp.Modules.BatchNorm
{
    /// <summary>PyTorch's defaults, as <c>nn.BatchNorm2d(numFeatures)</c>: eps 1e-5, momentum 0.1, affine, running statistics tracked.</summary>
    /// <summary>ε added to the running variance (PyTorch's default), also used where a batch norm is folded into its convolution.</summary>
    public const double Eps = 1e-05;

    public ScalarSafeBatchNorm2d(long numFeatures)
        : base(numFeatures, eps: Eps, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
    }

    /// <summary>TorchSharp 0.107's <c>BatchNorm.forward</c> step for step, with a rooted Scalar for the batch counter.</summary>
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        double averageFactor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } tracked)
        {
            // Both operands rooted: add_(Scalar) alone would still make a temporary alpha = 1.
            tracked.add_(RootedScalars.One, RootedScalars.One);
            averageFactor = momentum ?? 1.0 / tracked.item<long>();
        }
        bool useBatchStatistics = training || (running_mean is null && running_var is null);
        bool passRunningStatistics = !training || track_running_stats;
        return nn.functional.batch_norm(input, passRunningStatistics ? running_mean : null, passRunningStatistics ? running_var : null,
            weight, bias, useBatchStatistics, averageFactor, eps);
    }
}
