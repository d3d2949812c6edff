using System.Buffers.Binary;
using System.IO.Compression;

namespace Unlearning.Core.Data;

/// <summary>
/// Minimal PNG writer for dataset thumbnails (8-bit grayscale or RGB, no interlace, filter 0 on every row),
/// with optional nearest-neighbour upscaling. Enough for 28×28 / 32×32 samples; no image library needed.
/// </summary>
public static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes one CHW image (1 or 3 channels) as PNG, scaled by an integer factor.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> chw, int channels, int height, int width, int scale = 1)
    {
        if (channels is not (1 or 3)) throw new ArgumentException("PNG export supports 1 or 3 channels.");
        if (scale is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be in 1..16.");
        int h = height * scale, w = width * scale, stride = w * channels;
        var raw = new byte[h * (stride + 1)];
        for (int y = 0; y < h; y++)
        {
            int row = y * (stride + 1);
            raw[row] = 0; // filter: none
            int sy = y / scale;
            for (int x = 0; x < w; x++)
            {
                int sx = x / scale;
                for (int c = 0; c < channels; c++)
                    raw[row + 1 + x * channels + c] = chw[c * height * width + sy * width + sx];
            }
        }
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;                                  // bit depth
        ihdr[9] = (byte)(channels == 1 ? 0 : 2);      // colour type: grayscale or RGB
        Chunk(ms, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var zl = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zl.Write(raw);
            Chunk(ms, "IDAT", z.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    /// <summary>CRC-32 (ISO-HDLC, polynomial 0xEDB88320) update, as the PNG specification defines.</summary>
    internal static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
