using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Data;

/// <summary>
/// One split as normalised float tensors on a device (N×C×H×W float32 and N int64 labels), made once and
/// reused by every batch. Batches are gathered with <c>index_select</c>; call <see cref="Batch"/> inside
/// the caller's per-batch dispose scope so that the batch tensors die with it.
/// </summary>
public sealed class TensorData : IDisposable
{
    public TensorData(ImageSet set, Device device)
    {
        Info = set.Info;
        Set = set;
        Device = device;
        using var scope = NewDisposeScope();
        var raw = tensor(set.Pixels, [set.Count, Info.Channels, Info.Height, Info.Width]);
        var x = raw.to_type(ScalarType.Float32).div_(255f);
        var mean = tensor(Info.Mean).reshape(1, Info.Channels, 1, 1);
        var std = tensor(Info.Std).reshape(1, Info.Channels, 1, 1);
        Images = x.sub_(mean).div_(std).to(device).MoveToOuterDisposeScope();
        Labels = tensor(set.Labels.Select(l => (long)l).ToArray()).to(device).MoveToOuterDisposeScope();
        BlackPixel = [.. Info.Mean.Zip(Info.Std, (m, s) => -m / s)];
    }

    /// <summary>Per channel, a black pixel after Normalize: (0 − mean) / std — the augmentation's padding value.</summary>
    private float[] BlackPixel { get; }

    public DatasetInfo Info { get; }
    public ImageSet Set { get; }
    public Device Device { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }
    public int Count => Set.Count;

    /// <summary>
    /// Splits <paramref name="indices"/> into batches; shuffled with <paramref name="rng"/> when given
    /// (the last batch may be smaller, as PyTorch's DataLoader with drop_last=False).
    /// </summary>
    public static long[][] Plan(IReadOnlyList<int> indices, int batchSize, Random? rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = indices.Select(i => (long)i).ToArray();
        rng?.Shuffle(order);
        var batches = new long[(order.Length + batchSize - 1) / batchSize][];
        for (int b = 0; b < batches.Length; b++)
            batches[b] = order[(b * batchSize)..Math.Min(order.Length, (b + 1) * batchSize)];
        return batches;
    }

    /// <summary>Gathers one batch; with <paramref name="augment"/> applies RandomCrop(pad) + horizontal flip.</summary>
    public (Tensor X, Tensor Y) Batch(long[] indices, Random? augment = null)
    {
        using var idx = tensor(indices, device: Device);
        var x = Images.index_select(0, idx);
        var y = Labels.index_select(0, idx);
        if (augment is not null) x = Augment(x, Info.CropPadding, augment);
        return (x, y);
    }

    /// <summary>
    /// RandomCrop(H, padding=p) with zero padding of the *normalised* image, as torchvision pads before
    /// ToTensor/Normalize only in value 0 of the raw image — here padding uses the normalised value of a black
    /// pixel so that the padded border equals what torchvision produces, then RandomHorizontalFlip(0.5).
    /// Per image, <paramref name="rng"/> draws the row offset, the column offset, then the flip.
    /// </summary>
    public Tensor Augment(Tensor x, int pad, Random rng) =>
        x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 ? AugmentOnCpu(x, pad, rng) : AugmentWithTensorOps(x, pad, rng);

    /// <summary>
    /// The augmentation as copies between float arrays: a few hundred tensor calls per batch (one crop and flip view
    /// per image, then a stack) become one read and one write. Same random draws and the same values as
    /// <see cref="AugmentWithTensorOps"/>, bit for bit: an inside pixel is written as (v − b) + b in float32, as the
    /// padding there computes it.
    /// </summary>
    private Tensor AugmentOnCpu(Tensor x, int pad, Random rng)
    {
        long n = x.shape[0];
        int c = (int)x.shape[1], h = (int)x.shape[2], w = (int)x.shape[3], plane = h * w, image = c * plane;
        var src = x.contiguous().data<float>().ToArray();
        var dst = new float[src.Length];
        var black = BlackPixel;
        for (long i = 0; i < n; i++)
        {
            int dy = rng.Next(0, 2 * pad + 1), dx = rng.Next(0, 2 * pad + 1);
            bool flip = rng.NextDouble() < 0.5;
            for (int ch = 0; ch < c; ch++)
            {
                float b = black[ch];
                int basis = (int)i * image + ch * plane;
                for (int r = 0; r < h; r++)
                {
                    int sy = r + dy - pad;
                    for (int col = 0; col < w; col++)
                    {
                        int sx = (flip ? w - 1 - col : col) + dx - pad;
                        dst[basis + r * w + col] = sy >= 0 && sy < h && sx >= 0 && sx < w ? (src[basis + sy * w + sx] - b) + b : b;
                    }
                }
            }
        }
        return tensor(dst, x.shape);
    }

    /// <summary>The augmentation with tensor operations, for tensors on a GPU (and the reference of the CPU path's test).</summary>
    internal Tensor AugmentWithTensorOps(Tensor x, int pad, Random rng)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var black = tensor(BlackPixel, device: x.device).reshape(1, -1, 1, 1);
        var padded = nn.functional.pad(x - black, [pad, pad, pad, pad]) + black;
        var crops = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            int dy = rng.Next(0, 2 * pad + 1), dx = rng.Next(0, 2 * pad + 1);
            var c = padded[i].narrow(1, dy, h).narrow(2, dx, w);
            crops[i] = rng.NextDouble() < 0.5 ? c.flip(2) : c;
        }
        return stack(crops);
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
