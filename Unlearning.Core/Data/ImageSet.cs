namespace Unlearning.Core.Data;

/// <summary>
/// Raw images of one split (train or test) kept as bytes in NCHW order, plus labels.
/// Bytes are the source of truth: tensors are made per batch or once per device by <see cref="TensorData"/>.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(DatasetInfo info, byte[] pixels, int[] labels)
    {
        if (pixels.Length != (long)labels.Length * info.PixelsPerImage)
            throw new ArgumentException($"Pixel buffer has {pixels.Length} bytes; {labels.Length} images of {info.PixelsPerImage} need {(long)labels.Length * info.PixelsPerImage}.");
        foreach (var l in labels)
            if (l < 0 || l >= info.NumClasses)
                throw new InvalidDataException($"Label {l} is outside 0..{info.NumClasses - 1}.");
        Info = info;
        Pixels = pixels;
        Labels = labels;
    }

    public DatasetInfo Info { get; }

    /// <summary>N×C×H×W bytes (0..255).</summary>
    public byte[] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<byte> Image(int index) =>
        Pixels.AsSpan(index * Info.PixelsPerImage, Info.PixelsPerImage);

    /// <summary>Indices of all samples whose label is (or is not) the given class, ascending.</summary>
    public int[] IndicesWhere(Func<int, bool> labelPredicate)
    {
        var list = new List<int>();
        for (int i = 0; i < Labels.Length; i++)
            if (labelPredicate(Labels[i])) list.Add(i);
        return [.. list];
    }
}

/// <summary>Train and test split of one dataset.</summary>
public sealed record DatasetSplits(DatasetInfo Info, ImageSet Train, ImageSet Test);
