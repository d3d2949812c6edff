namespace Unlearning.Core.Data;

/// <summary>
/// Static description of a dataset: image geometry, class names, normalisation and the files it is read from.
/// </summary>
public sealed record DatasetInfo(
    string Id,
    string DisplayName,
    int Channels,
    int Height,
    int Width,
    IReadOnlyList<string> ClassNames,
    float[] Mean,
    float[] Std,
    /// <summary>Zero padding for RandomCrop augmentation (docs/methods.md, "Datasets and normalisation": 4).</summary>
    int CropPadding,
    /// <summary>Folder under the data root, and a hint for where to get the files when they are missing.</summary>
    string Folder,
    string SourceHint)
{
    public int NumClasses => ClassNames.Count;
    public int PixelsPerImage => Channels * Height * Width;
}

/// <summary>The datasets the system knows (docs/methods.md, "Datasets and normalisation").</summary>
public static class DatasetCatalog
{
    /// <summary>Fashion-MNIST, shipped under data/fashion-mnist (Debian's dataset-fashion-mnist files).</summary>
    public static readonly DatasetInfo FashionMnist = new(
        "fashion-mnist", "Fashion-MNIST", 1, 28, 28,
        ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"],
        [0.2860f], [0.3530f], 4, "fashion-mnist",
        "it ships with the repository (data/fashion-mnist); it is also in Debian's package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)");

    /// <summary>CIFAR-10 binary batches (cifar-10-batches-bin) placed by the user under data/cifar-10-batches-bin.</summary>
    public static readonly DatasetInfo Cifar10 = new(
        "cifar10", "CIFAR-10", 3, 32, 32,
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        [0.4914f, 0.4822f, 0.4465f], [0.2023f, 0.1994f, 0.2010f], 4, "cifar-10-batches-bin",
        "download the 'CIFAR-10 binary version' (cifar-10-binary.tar.gz) from the CIFAR-10 home page and extract it so that data/cifar-10-batches-bin/data_batch_1.bin exists");

    public static IReadOnlyList<DatasetInfo> All { get; } = [FashionMnist, Cifar10];

    public static DatasetInfo Get(string id) =>
        TryGet(id) ?? throw new ArgumentException($"Unknown dataset '{id}'. Known: {string.Join(", ", All.Select(d => d.Id))}.");

    public static DatasetInfo? TryGet(string? id) =>
        All.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase)
                             || string.Equals(d.DisplayName, id, StringComparison.OrdinalIgnoreCase));
}
