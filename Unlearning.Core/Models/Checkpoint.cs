using TorchSharp;
using TorchSharp.PyBridge;

namespace Unlearning.Core.Models;

/// <summary>
/// Saving and loading model weights. Two formats: ours (TorchSharp's <c>Module.save</c>) and PyTorch
/// state dicts (<c>.pth</c>, a zip archive; REFERENCE §2.2/§9) through TorchSharp.PyBridge. Writes are
/// atomic: to a temporary file in the same folder, then renamed over the target.
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
    /// Loads weights into <paramref name="model"/> (strict: every key and shape must match). Any failure
    /// becomes an <see cref="InvalidDataException"/> whose message says what is wrong with the file.
    /// </summary>
    public static void Load(Classifier model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        try
        {
            if (IsPyTorchFile(path)) model.load_py(path, strict: true);
            else model.load(path, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' is not a valid checkpoint for {model.GetType().Name}: {e.Message}", e);
        }
    }
}
