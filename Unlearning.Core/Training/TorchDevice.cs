using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Training;

/// <summary>Device selection <c>auto | cpu | cuda[:N]</c> (docs/methods.md, "Devices") and one-time LibTorch set-up.</summary>
public static class TorchDevice
{
    private static int _initialised;

    /// <summary>Sets LibTorch's intra-op threads to the machine's cores (once per process).</summary>
    public static void Initialise(int? threads = null)
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 1) return;
        torch.set_num_threads(threads ?? Environment.ProcessorCount);
    }

    public static Device Resolve(string? option)
    {
        Initialise();
        var o = (option ?? "auto").Trim().ToLowerInvariant();
        if (o is "" or "auto") return cuda.is_available() ? CUDA : CPU;
        if (o == "cpu") return CPU;
        if (o == "cuda" || o.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidOperationException($"Device '{option}' was requested but CUDA is not available (this build uses the CPU LibTorch; see README 'GPU builds').");
            int index = 0;
            if (o.Length > 4 && (!int.TryParse(o[5..], out index) || index < 0 || index >= cuda.device_count()))
                throw new ArgumentException($"Device '{option}': CUDA index must be 0..{cuda.device_count() - 1}.");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{option}' is not one of auto, cpu, cuda, cuda:N.");
    }
}
