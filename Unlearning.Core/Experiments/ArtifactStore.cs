namespace Unlearning.Core.Experiments;

/// <summary>
/// Files of experiments under <c>{AppFolder}/artifacts/{experiment-id}/</c>: the layout of checkpoint, results document
/// and subset features is here and nowhere else.
/// Every write goes to a temporary name in the same folder and is renamed into place, so a crash never
/// leaves a half-written file under a final name.
/// </summary>
public sealed class ArtifactStore(string appFolder)
{
    public string AppFolder { get; } = appFolder;
    public string Root => Path.Combine(AppFolder, "artifacts");
    public string UploadsFolder => Path.Combine(AppFolder, "uploads");

    public string FolderOf(string experimentId)
    {
        if (experimentId.Length == 0 || experimentId.IndexOfAny(['/', '\\', '.']) >= 0)
            throw new ArgumentException($"Invalid experiment id '{experimentId}'.");
        return Path.Combine(Root, experimentId);
    }

    public string CheckpointPath(string experimentId) => Path.Combine(FolderOf(experimentId), "model.pt");
    public string ResultsPath(string experimentId) => Path.Combine(FolderOf(experimentId), "results.json");
    /// <summary>The subset's penultimate features as raw float32 rows (see <see cref="ResultsDocument"/>).</summary>
    public string FeaturesPath(string experimentId) => Path.Combine(FolderOf(experimentId), "features.bin");

    /// <summary>The depth-of-forgetting results (relearning curve and probes, docs/metrics.md, "Depth of forgetting"; see <see cref="DepthDocument"/>).</summary>
    public string DepthPath(string experimentId) => Path.Combine(FolderOf(experimentId), "depth.json");

    /// <summary>Path relative to the app folder (what the database stores).</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(AppFolder, fullPath);

    /// <summary>Resolves a stored path: relative ones are under the app folder.</summary>
    public string Resolve(string storedPath) => Path.IsPathRooted(storedPath) ? storedPath : Path.Combine(AppFolder, storedPath);

    public static void WriteAtomic(string path, Action<Stream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var f = File.Create(tmp)) write(f);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllTextAtomic(string path, string text) =>
        WriteAtomic(path, s => { using var w = new StreamWriter(s); w.Write(text); });

    /// <summary>Removes an experiment's folder (failed/cancelled job or deleted experiment).</summary>
    public void Delete(string experimentId)
    {
        var dir = FolderOf(experimentId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Removes leftover temporary files (from a crash mid-write).</summary>
    public int RemoveTemporaryFiles()
    {
        if (!Directory.Exists(AppFolder)) return 0;
        int n = 0;
        foreach (var f in Directory.EnumerateFiles(AppFolder, "*.tmp-*", SearchOption.AllDirectories))
        {
            File.Delete(f);
            n++;
        }
        return n;
    }
}
