using System.Buffers.Binary;
using System.IO.Compression;

namespace Unlearning.Core.Data;

/// <summary>
/// Reads the IDX format of MNIST/Fashion-MNIST (big-endian header; magic 2051 for images, 2049 for labels),
/// gzip-compressed or plain.
/// </summary>
public static class IdxReader
{
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 16) throw new InvalidDataException($"{path}: too short for an IDX image header.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != 2051) throw new InvalidDataException($"{path}: IDX image magic is {magic}, expected 2051.");
        int n = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        long expected = 16L + (long)n * rows * cols;
        if (n < 0 || rows <= 0 || cols <= 0 || bytes.Length != expected)
            throw new InvalidDataException($"{path}: header says {n}×{rows}×{cols} ({expected} bytes) but the file has {bytes.Length} bytes.");
        return (bytes[16..], n, rows, cols);
    }

    public static int[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: too short for an IDX label header.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != 2049) throw new InvalidDataException($"{path}: IDX label magic is {magic}, expected 2049.");
        int n = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (n < 0 || bytes.Length != 8 + n)
            throw new InvalidDataException($"{path}: header says {n} labels but the file has {bytes.Length - 8} label bytes.");
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = bytes[8 + i];
        return labels;
    }

    /// <summary>Writes an IDX file (used by tests to generate fixtures).</summary>
    public static void WriteImages(string path, byte[] pixels, int count, int rows, int cols, bool gzip)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 2051);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        WriteAll(path, [.. header, .. pixels], gzip);
    }

    public static void WriteLabels(string path, int[] labels, bool gzip)
    {
        var data = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(data, 2049);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), labels.Length);
        for (int i = 0; i < labels.Length; i++) data[8 + i] = checked((byte)labels[i]);
        WriteAll(path, data, gzip);
    }

    private static byte[] ReadAll(string path)
    {
        using var file = File.OpenRead(path);
        Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var ms = new MemoryStream();
        try { s.CopyTo(ms); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message}).", e); }
        finally { if (s != file) s.Dispose(); }
        return ms.ToArray();
    }

    private static void WriteAll(string path, byte[] data, bool gzip)
    {
        using var file = File.Create(path);
        if (!gzip) { file.Write(data); return; }
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(data);
    }
}
