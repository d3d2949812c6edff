using Unlearning.Core.Data;

namespace Unlearning.Tests.Core.Data;

public class DatasetReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Idx_round_trip_reads_header_pixels_and_labels(bool gzip)
    {
        var dir = TestData.TempFolder();
        var pixels = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 7)).ToArray();
        var imgPath = Path.Combine(dir, gzip ? "img.gz" : "img");
        var lblPath = Path.Combine(dir, gzip ? "lbl.gz" : "lbl");
        IdxReader.WriteImages(imgPath, pixels, 3, 2, 4, gzip);
        IdxReader.WriteLabels(lblPath, [2, 0, 9], gzip);

        var (read, n, rows, cols) = IdxReader.ReadImages(imgPath);
        Assert.Equal((3, 2, 4), (n, rows, cols));
        Assert.Equal(pixels, read);
        Assert.Equal([2, 0, 9], IdxReader.ReadLabels(lblPath));
    }

    [Fact]
    public void Idx_with_wrong_magic_or_truncated_body_is_rejected_with_the_file_name()
    {
        var dir = TestData.TempFolder();
        var lbl = Path.Combine(dir, "labels");
        IdxReader.WriteLabels(lbl, [.. Enumerable.Range(0, 20).Select(i => i % 10)], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(lbl));
        Assert.Contains("2051", e.Message);
        Assert.Contains(lbl, e.Message);

        var img = Path.Combine(dir, "images");
        IdxReader.WriteImages(img, new byte[8], 1, 2, 4, gzip: false);
        File.WriteAllBytes(img, File.ReadAllBytes(img)[..^3]);
        Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(img));

        var notGzip = Path.Combine(dir, "broken.gz");
        File.WriteAllText(notGzip, "this is not gzip");
        Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(notGzip));
    }

    [Fact]
    public void Cifar10_binary_batches_are_read_in_channel_first_order()
    {
        var dir = Path.Combine(TestData.TempFolder(), DatasetCatalog.Cifar10.Folder);
        Directory.CreateDirectory(dir);
        var rng = new Random(5);
        var expectedLabels = new List<int>();
        var expectedPixels = new List<byte>();
        foreach (var file in Cifar10Reader.TrainFiles.Append(Cifar10Reader.TestFile))
        {
            int n = 3;
            var px = new byte[n * 3072];
            rng.NextBytes(px);
            var labels = Enumerable.Range(0, n).Select(_ => rng.Next(10)).ToArray();
            Cifar10Reader.WriteBatch(Path.Combine(dir, file), px, labels);
            if (file != Cifar10Reader.TestFile) { expectedLabels.AddRange(labels); expectedPixels.AddRange(px); }
        }
        var splits = DatasetLoader.LoadUncached(DatasetCatalog.Cifar10, Path.GetDirectoryName(dir)!);
        Assert.Equal(15, splits.Train.Count);
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal(expectedLabels, splits.Train.Labels);
        Assert.Equal(expectedPixels, splits.Train.Pixels);
        // Record layout: byte 0 is the label, then 1,024 red, 1,024 green, 1,024 blue bytes.
        var raw = File.ReadAllBytes(Path.Combine(dir, "data_batch_1.bin"));
        Assert.Equal(raw[1 + 1024], splits.Train.Image(0)[1024]);
    }

    [Fact]
    public void Cifar10_batch_with_partial_record_is_rejected()
    {
        var path = Path.Combine(TestData.TempFolder(), "bad.bin");
        File.WriteAllBytes(path, new byte[3073 + 10]);
        Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatches([path]));
    }

    [Fact]
    public void Missing_dataset_names_the_file_and_where_to_get_it()
    {
        var root = TestData.TempFolder();
        var e = Assert.Throws<DatasetMissingException>(() => DatasetLoader.LoadUncached(DatasetCatalog.Cifar10, root));
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains("cifar-10-batches-bin", e.Message);
        e = Assert.Throws<DatasetMissingException>(() => DatasetLoader.LoadUncached(DatasetCatalog.FashionMnist, root));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Shipped_fashion_mnist_loads_with_the_expected_sizes_and_balanced_classes()
    {
        var root = Unlearning.Core.DataPaths.ResolveDataRoot("data");
        var data = new DatasetLoader(root).Load(DatasetCatalog.FashionMnist);
        Assert.Equal(60000, data.Train.Count);
        Assert.Equal(10000, data.Test.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, data.Train.Labels.Count(l => l == c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, data.Test.Labels.Count(l => l == c)));
    }

    [Fact]
    public void Forget_split_partitions_train_and_test_by_class()
    {
        var data = TestData.Splits(trainPerClass: 5, testPerClass: 2);
        var s = ForgetSplit.Create(data, 3);
        Assert.Equal(5, s.Forget.Length);
        Assert.Equal(45, s.Retain.Length);
        Assert.Equal(2, s.TestForget.Length);
        Assert.Equal(18, s.TestRetain.Length);
        Assert.All(s.Forget, i => Assert.Equal(3, data.Train.Labels[i]));
        Assert.All(s.Retain, i => Assert.NotEqual(3, data.Train.Labels[i]));
        Assert.Equal(Enumerable.Range(0, 50), s.Forget.Concat(s.Retain).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgetSplit.Create(data, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgetSplit.Create(data, -1));
    }

    [Fact]
    public void Fixed_subset_takes_per_class_samples_in_class_order_deterministically()
    {
        var labels = Enumerable.Range(0, 3000).Select(i => (i * 7) % 10).ToArray();
        var a = FixedSubset.Select(labels, 10, perClass: 20);
        var b = FixedSubset.Select(labels, 10, perClass: 20);
        var c = FixedSubset.Select(labels, 10, perClass: 20, seed: 7);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(200, a.Length);
        Assert.Equal(200, a.Distinct().Count());
        for (int k = 0; k < 10; k++) Assert.All(a[(k * 20)..((k + 1) * 20)], i => Assert.Equal(k, labels[i]));
        // A permutation draw, not the first indices of each class.
        Assert.False(a[..20].SequenceEqual(Enumerable.Range(0, 3000).Where(i => labels[i] == 0).Take(20)));
    }

    [Fact]
    public void Strip_puts_the_chosen_samples_side_by_side_per_channel()
    {
        // Two channels of 2×3 images; pixel (c, y, x) of sample i = 50·i + 10·c + 3·y + x, unique everywhere.
        var info = TestData.Info(channels: 2, size: 2, classes: 3) with { Width = 3 };
        var pixels = new byte[4 * info.PixelsPerImage];
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 2; c++)
                for (int y = 0; y < 2; y++)
                    for (int x = 0; x < 3; x++)
                        pixels[i * 12 + c * 6 + y * 3 + x] = (byte)(50 * i + 10 * c + 3 * y + x);
        var set = new ImageSet(info, pixels, [0, 1, 2, 0]);

        var strip = set.Strip([3, 1]);

        // C × H × (2·W): channel 0 row 0 = sample 3's row then sample 1's row, and so on.
        Assert.Equal(new byte[]
        {
            150, 151, 152, 50, 51, 52,   // c0 y0
            153, 154, 155, 53, 54, 55,   // c0 y1
            160, 161, 162, 60, 61, 62,   // c1 y0
            163, 164, 165, 63, 64, 65,   // c1 y1
        }, strip);
        Assert.Throws<KeyNotFoundException>(() => set.Strip([4]));
    }
}
