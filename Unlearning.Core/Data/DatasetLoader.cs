using Microsoft.Extensions.Logging;
using Unlearning.Core.Caching;

namespace Unlearning.Core.Data;

/// <summary>Thrown when a dataset's files are not where they should be; the message names the file and the remedy.</summary>
public sealed class DatasetMissingException(string message) : Exception(message);

/// <summary>
/// Loads datasets from the data root (default <c>data/</c>) and caches them per process, bounded by their image
/// bytes (Unlearning:Caches:DatasetsMB, least recently used first; docs/architecture.md, "Caches"): the bytes are
/// immutable, so every job and view shares one copy. One load per dataset at a time (a lock per dataset id).
/// </summary>
public sealed class DatasetLoader(string dataRoot, long capacityBytes = DatasetLoader.DefaultCapacityBytes, ILogger? logger = null)
{
    public const long DefaultCapacityBytes = 512L * 1024 * 1024;

    private readonly LruCache<string, DatasetSplits> _cache = new("datasets", capacityBytes,
        d => (long)d.Train.Pixels.Length + d.Test.Pixels.Length, logger, unit: "bytes");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _locks = new();

    public string DataRoot { get; } = dataRoot;

    public DatasetSplits Load(DatasetInfo info)
    {
        if (_cache.TryGet(info.Id, out var hit)) return hit;
        lock (_locks.GetOrAdd(info.Id, _ => new object()))
            return _cache.GetOrAdd(info.Id, _ => LoadUncached(info, DataRoot));
    }

    public DatasetSplits Load(string datasetId) => Load(DatasetCatalog.Get(datasetId));

    /// <summary>True when every file the dataset needs exists.</summary>
    public bool IsAvailable(DatasetInfo info) => RequiredFiles(info, DataRoot).All(File.Exists);

    public static IReadOnlyList<string> RequiredFiles(DatasetInfo info, string dataRoot)
    {
        var dir = Path.Combine(dataRoot, info.Folder);
        return info.Id == DatasetCatalog.Cifar10.Id
            ? [.. Cifar10Reader.TrainFiles.Append(Cifar10Reader.TestFile).Select(f => Path.Combine(dir, f))]
            : [.. new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" }.Select(f => Path.Combine(dir, f))];
    }

    public static DatasetSplits LoadUncached(DatasetInfo info, string dataRoot)
    {
        var files = RequiredFiles(info, dataRoot);
        var missing = files.FirstOrDefault(f => !File.Exists(f));
        if (missing is not null)
            throw new DatasetMissingException(
                $"{info.DisplayName}: file '{Path.GetFullPath(missing)}' is missing. To get it: {info.SourceHint}.");

        if (info.Id == DatasetCatalog.Cifar10.Id)
        {
            var (trp, trl) = Cifar10Reader.ReadBatches(files.Take(5));
            var (tep, tel) = Cifar10Reader.ReadBatches(files.Skip(5));
            return new DatasetSplits(info, new ImageSet(info, trp, trl), new ImageSet(info, tep, tel));
        }
        return new DatasetSplits(info, ReadIdxPair(info, files[0], files[1]), ReadIdxPair(info, files[2], files[3]));
    }

    private static ImageSet ReadIdxPair(DatasetInfo info, string imagesPath, string labelsPath)
    {
        var (pixels, n, rows, cols) = IdxReader.ReadImages(imagesPath);
        if (rows != info.Height || cols != info.Width)
            throw new InvalidDataException($"{imagesPath}: images are {rows}×{cols}, {info.DisplayName} needs {info.Height}×{info.Width}.");
        var labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != n)
            throw new InvalidDataException($"{labelsPath}: {labels.Length} labels for {n} images in {imagesPath}.");
        return new ImageSet(info, pixels, labels);
    }
}
