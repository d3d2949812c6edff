using TorchSharp;
using TorchSharp.PyBridge;

namespace Unlearning.Core.Models;

/// <summary>
/// Saving and loading model weights. Two formats: ours (TorchSharp's <c>Module.save</c>) and PyTorch
/// state dicts (<c>.pth</c>, a zip archive) through TorchSharp.PyBridge. Writes are atomic: to a temporary
/// file in the same folder, then renamed over the target. Reads treat the file as untrusted: a PyTorch file
/// passes <see cref="CheckpointValidator"/> (limits derived from the model) before PyBridge opens it, and
/// errors from PyBridge/LibTorch are reduced to their first line without paths or addresses.
/// </summary>
public static class Checkpoint
{
    public static void Save(Classifier model, string path, bool pytorchFormat = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            if (pytorchFormat) model.save_py(tmp);
            else model.save(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>True when the file starts like a zip archive (PyTorch ≥ 1.6 <c>torch.save</c> format).</summary>
    public static bool IsPyTorchFile(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return f.Read(head) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
    }

    /// <summary>
    /// The structural check of an untrusted upload before it is kept, without building a model (it runs where the
    /// upload arrives, not on the job worker): a PyTorch zip is scanned with the limits of
    /// <see cref="CheckpointValidator"/> sized for a model of at most <paramref name="maxFileBytes"/> / 4 elements
    /// (a float32 state dict cannot hold more in a file of that size), so a zip bomb or a hostile pickle is refused
    /// at once. <see cref="Load"/> checks again, with the chosen architecture's own limits, on the worker.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is refused; the message says why, without server paths.</exception>
    public static void Screen(string path, long maxFileBytes)
    {
        if (!IsPyTorchFile(path)) return;
        try
        {
            CheckpointValidator.ValidatePyTorch(path, CheckpointLimits.ForModel(Math.Max(1, maxFileBytes / 4)));
        }
        catch (CheckpointRejectedException e)
        {
            throw new InvalidDataException($"The upload is not a valid PyTorch checkpoint: {e.Message}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or InvalidDataException)
        {
            throw new InvalidDataException("The upload is not a valid PyTorch checkpoint: the file cannot be read as a zip archive.", e);
        }
    }

    /// <summary>
    /// Loads weights into <paramref name="model"/> (strict: every key and shape must match). Any failure
    /// becomes an <see cref="InvalidDataException"/> whose message says what is wrong with the file and holds
    /// no native stack frames, memory addresses or absolute paths.
    /// </summary>
    public static void Load(Classifier model, string path, CheckpointLimits? limits = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{Path.GetFileName(path)}' does not exist.", path);
        var name = Path.GetFileName(path);
        var what = $"'{name}' is not a valid checkpoint for {model.GetType().Name}";
        long elements = model.state_dict().Values.Sum(t => t.numel());
        limits ??= CheckpointLimits.ForModel(elements);
        bool pytorch = IsPyTorchFile(path);
        try
        {
            if (pytorch) CheckpointValidator.ValidatePyTorch(path, limits);
            // Our own format holds each tensor once, read into the model's existing shapes; its size is bounded the same way.
            else if (new FileInfo(path).Length > limits.MaxFileBytes)
                throw new CheckpointRejectedException($"the file is larger than {limits.MaxFileBytes / 1048576.0:0.#} MB for this model");
        }
        catch (CheckpointRejectedException e)
        {
            throw new InvalidDataException($"{what}: {e.Message}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or InvalidDataException)
        {
            throw new InvalidDataException($"{what}: the file cannot be read.", e);
        }
        try
        {
            if (pytorch) model.load_py(path, strict: true);
            else model.load(path, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{what}: {SafeMessage(e.Message, path)}", e);
        }
    }

    /// <summary>
    /// The first line of a loader's message, without absolute paths or hex addresses: LibTorch errors carry
    /// native frames ("frame #0: … 0x7f… in /usr/lib/…") that say nothing to an uploader and leak the install.
    /// </summary>
    public static string SafeMessage(string message, string? path = null)
    {
        if (path is not null)
        {
            message = message.Replace(Path.GetFullPath(path), Path.GetFileName(path), StringComparison.Ordinal)
                             .Replace(path, Path.GetFileName(path), StringComparison.Ordinal);
        }
        var first = message.Split('\n', 2)[0];
        int cut = first.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (cut > 0) first = first[..cut];
        first = System.Text.RegularExpressions.Regex.Replace(first, @"0x[0-9a-fA-F]+", "");
        first = System.Text.RegularExpressions.Regex.Replace(first, @"(?<![\w.])(/[^\s:'""()]+)+", "…");
        first = System.Text.RegularExpressions.Regex.Replace(first, @"[A-Za-z]:\\[^\s:'""()]+", "…").Trim();
        if (first.Length > 300) first = first[..300] + "…";
        return first.Length == 0 ? "the file could not be read." : first;
    }
}
