using System.Collections.Concurrent;

namespace Unlearning.Core.Data;

/// <summary>Thrown when a dataset's files are not where they should be; the message names the file and the remedy.</summary>
public sealed class DatasetMissingException(string message) : Exception(message);

/// <summary>
/// Loads datasets from the data root (default <c>data/</c>) and caches them per process: the bytes are
/// immutable, so every job and view shares one copy.
/// </summary>
public sealed class DatasetLoader(string dataRoot)
{
    private readonly ConcurrentDictionary<string, Lazy<DatasetSplits>> _cache = new();

    public string DataRoot { get; } = dataRoot;

    public DatasetSplits Load(DatasetInfo info) =>
        _cache.GetOrAdd(info.Id, _ => new Lazy<DatasetSplits>(() => LoadUncached(info, DataRoot))).Value;

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
