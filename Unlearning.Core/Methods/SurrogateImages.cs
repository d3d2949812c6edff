using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// The out-of-distribution images of SCAR's distillation (docs/methods.md, "SCAR", "Surrogate images"). The authors
/// distil on 10,000 ImageNet (or COCO, or Gaussian-noise) images; we have no second dataset offline, so the pool is made
/// from the seed alone:
/// <list type="bullet">
/// <item><b>patch mosaics</b> of forget-set images: the image is cut into a 2×2 grid of cells and every cell is copied
/// from a random cell of a random forget image, so parts of real images survive but no coherent object does;</item>
/// <item><b>dead leaves</b>: a few random ellipses and rectangles of random grey levels painted over each other
/// (data-free).</item>
/// </list>
/// Only forget-set images (which every unlearning method is given) feed the mosaics — never retain or test images.
/// SCAR drops every surrogate image that the original model assigns to the forget class, so mosaics that still look
/// like the forget class do not teach the student that class.
/// </summary>
public static class SurrogateImages
{
    /// <summary>Cells per side of a mosaic (2: quarter images; a 4×4 grid of 7-pixel cells looked like sandal straps or bags to the compact model).</summary>
    public const int MosaicGrid = 2;

    /// <summary>
    /// <paramref name="count"/> surrogate images (N×C×H×W float32 on the CPU, normalised like <paramref name="data"/>'s
    /// images): the first ⌊count·<paramref name="mosaicShare"/>⌉ are mosaics of <paramref name="sources"/> (indices into
    /// <paramref name="data"/>), the rest dead-leaves images. Deterministic for a given <paramref name="rng"/> state.
    /// </summary>
    public static Tensor Generate(TensorData data, IReadOnlyList<int> sources, int count, double mosaicShare, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var info = data.Info;
        int c = info.Channels, h = info.Height, w = info.Width, size = c * h * w;
        int mosaics = sources.Count == 0 ? 0 : (int)Math.Round(count * Math.Clamp(mosaicShare, 0, 1));
        var pixels = new float[(long)count * size];
        if (mosaics > 0)
        {
            float[] source;
            using (var scope = NewDisposeScope())
            {
                using var idx = tensor(sources.Select(i => (long)i).ToArray());
                source = data.Images.index_select(0, idx.to(data.Device)).cpu().contiguous().data<float>().ToArray();
            }
            for (int i = 0; i < mosaics; i++)
                Mosaic(source, sources.Count, c, h, w, pixels.AsSpan(i * size, size), rng);
        }
        for (int i = mosaics; i < count; i++)
            DeadLeaves(info, pixels.AsSpan(i * size, size), rng);
        return tensor(pixels, [count, c, h, w]);
    }

    /// <summary>Fills one image with cells copied from random cells of random source images (all channels together).</summary>
    private static void Mosaic(float[] source, int sourceCount, int c, int h, int w, Span<float> image, Random rng)
    {
        int size = c * h * w;
        for (int gy = 0; gy < MosaicGrid; gy++)
            for (int gx = 0; gx < MosaicGrid; gx++)
            {
                int from = rng.Next(sourceCount), sy = rng.Next(MosaicGrid), sx = rng.Next(MosaicGrid);
                var (y0, y1) = Cell(gy, h);
                var (x0, x1) = Cell(gx, w);
                var (sy0, sy1) = Cell(sy, h);
                var (sx0, sx1) = Cell(sx, w);
                for (int ch = 0; ch < c; ch++)
                    for (int y = y0; y < y1; y++)
                        for (int x = x0; x < x1; x++)
                        {
                            // Cells of unequal size (h not divisible by the grid) are sampled with wrap-around.
                            int srcY = sy0 + (y - y0) % (sy1 - sy0), srcX = sx0 + (x - x0) % (sx1 - sx0);
                            image[ch * h * w + y * w + x] = source[(long)from * size + ch * h * w + srcY * w + srcX];
                        }
            }
    }

    private static (int From, int To) Cell(int index, int length) => (index * length / MosaicGrid, (index + 1) * length / MosaicGrid);

    /// <summary>
    /// A "dead leaves" image: 2–7 ellipses or axis-aligned rectangles of random size (radius 2/28 to 12/28 of the side)
    /// and random grey level (colour on several channels), each painted over the earlier ones on a black or random
    /// background; then normalised.
    /// </summary>
    private static void DeadLeaves(DatasetInfo info, Span<float> image, Random rng)
    {
        int c = info.Channels, h = info.Height, w = info.Width;
        var value = new double[c];
        for (int ch = 0; ch < c; ch++) value[ch] = rng.Next(2) == 0 ? 0 : rng.NextDouble();
        var raw = new double[c * h * w];
        for (int ch = 0; ch < c; ch++) raw.AsSpan(ch * h * w, h * w).Fill(value[ch]);
        int shapes = rng.Next(2, 8);
        for (int k = 0; k < shapes; k++)
        {
            double cy = rng.NextDouble() * h, cx = rng.NextDouble() * w;
            double ry = (2 + rng.NextDouble() * 10) * h / 28, rx = (2 + rng.NextDouble() * 10) * w / 28;
            bool rectangle = rng.Next(2) == 0;
            for (int ch = 0; ch < c; ch++) value[ch] = rng.NextDouble();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dy = (y + 0.5 - cy) / ry, dx = (x + 0.5 - cx) / rx;
                    if (rectangle ? Math.Abs(dy) <= 1 && Math.Abs(dx) <= 1 : dy * dy + dx * dx <= 1)
                        for (int ch = 0; ch < c; ch++) raw[ch * h * w + y * w + x] = value[ch];
                }
        }
        for (int ch = 0; ch < c; ch++)
            for (int p = 0; p < h * w; p++)
                image[ch * h * w + p] = (float)((raw[ch * h * w + p] - info.Mean[ch]) / info.Std[ch]);
    }
}
