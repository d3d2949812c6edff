using System.Runtime.InteropServices;

namespace Unlearning.Core.Caching;

/// <summary>
/// Returns freed native heap pages to the operating system (glibc <c>malloc_trim</c>; docs/architecture.md, "Caches").
/// LibTorch frees an evaluation's temporary tensors (Gram matrices, activations: hundreds of MB) into the C heap,
/// which keeps them mapped, so the process's resident memory stays at its peak although nothing holds them. A no-op
/// off Linux/glibc.
/// </summary>
public static class NativeHeap
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static bool _unavailable;

    /// <summary>Trims the C heap; true when memory was returned.</summary>
    public static bool Trim()
    {
        if (_unavailable || !OperatingSystem.IsLinux()) return false;
        try { return MallocTrim(0) != 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // musl or another libc without malloc_trim
            return false;
        }
    }
}
