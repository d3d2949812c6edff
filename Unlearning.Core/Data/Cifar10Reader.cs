namespace Unlearning.Core.Data;

/// <summary>
/// Reads CIFAR-10 "binary version" batches: each record is 1 label byte followed by 3,072 pixel bytes
/// (1,024 red, 1,024 green, 1,024 blue, row-major 32×32) — already CHW order.
/// </summary>
public static class Cifar10Reader
{
    public const int RecordSize = 1 + 3 * 32 * 32;

    public static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    public const string TestFile = "test_batch.bin";

    public static (byte[] Pixels, int[] Labels) ReadBatches(IEnumerable<string> paths)
    {
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        foreach (var path in paths)
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
                throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records.");
            int n = bytes.Length / RecordSize;
            var px = new byte[n * (RecordSize - 1)];
            for (int i = 0; i < n; i++)
            {
                int label = bytes[i * RecordSize];
                if (label > 9) throw new InvalidDataException($"{path}: record {i} has label {label} (expected 0..9).");
                labels.Add(label);
                Buffer.BlockCopy(bytes, i * RecordSize + 1, px, i * (RecordSize - 1), RecordSize - 1);
            }
            pixels.Add(px);
        }
        var all = new byte[pixels.Sum(p => (long)p.Length)];
        long offset = 0;
        foreach (var p in pixels) { Buffer.BlockCopy(p, 0, all, (int)offset, p.Length); offset += p.Length; }
        return (all, [.. labels]);
    }

    /// <summary>Writes one batch file in the same format (for tests).</summary>
    public static void WriteBatch(string path, byte[] pixels, int[] labels)
    {
        using var f = File.Create(path);
        for (int i = 0; i < labels.Length; i++)
        {
            f.WriteByte(checked((byte)labels[i]));
            f.Write(pixels, i * (RecordSize - 1), RecordSize - 1);
        }
    }
}
