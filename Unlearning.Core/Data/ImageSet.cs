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

    /// <summary>
    /// The samples <paramref name="indices"/> side by side, in that order, as one C×H×(n·W) image (a sprite sheet: sample k
    /// occupies columns k·W .. k·W + W − 1), so that a page showing hundreds of thumbnails needs one image, not hundreds.
    /// </summary>
    public byte[] Strip(IReadOnlyList<int> indices)
    {
        int c = Info.Channels, h = Info.Height, w = Info.Width, n = indices.Count;
        foreach (var i in indices)
            if (i < 0 || i >= Count) throw new KeyNotFoundException($"{Info.DisplayName} has samples 0..{Count - 1}; {i} does not exist.");
        var strip = new byte[c * h * n * w];
        for (int k = 0; k < n; k++)
        {
            var image = Image(indices[k]);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    image.Slice(ch * h * w + y * w, w).CopyTo(strip.AsSpan(ch * h * n * w + y * n * w + k * w, w));
        }
        return strip;
    }

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
