using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;

namespace Unlearning.Core.Models;

/// <summary>
/// Walks an untrusted PyTorch checkpoint (a zip holding <c>data.pkl</c> and one entry per storage) before
/// TorchSharp.PyBridge sees it. Sizes are counted while inflating through a fixed buffer (headers can lie), so
/// a zip bomb costs at most <see cref="CheckpointLimits.MaxEntryBytes"/> of CPU work and no memory; the pickle
/// is checked by <see cref="PickleScanner"/>; every storage the pickle claims must exist and be as large as claimed.
/// Every refusal is a <see cref="CheckpointRejectedException"/> with a short reason.
/// </summary>
public static class CheckpointValidator
{
    public static void ValidatePyTorch(string path, CheckpointLimits limits)
    {
        var clock = Stopwatch.StartNew();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (file.Length > limits.MaxFileBytes)
            throw PickleScanner.Refuse($"the file is {file.Length / 1048576.0:0.#} MB, more than {limits.MaxFileBytes / 1048576.0:0.#} MB for this model");
        int claimed = EntryCount(file);
        if (claimed > limits.MaxEntries) throw PickleScanner.Refuse($"its archive claims {claimed:N0} entries (limit {limits.MaxEntries:N0})");
        file.Position = 0;

        ZipArchive zip;
        try { zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException) { throw PickleScanner.Refuse("it is not a readable zip archive"); }
        using (zip)
        {
            if (zip.Entries.Count > limits.MaxEntries) throw PickleScanner.Refuse($"its archive has more than {limits.MaxEntries:N0} entries");
            byte[]? pickle = null;
            var storageBytes = new Dictionary<string, long>(StringComparer.Ordinal);
            var buffer = new byte[81920];
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.CompressedLength > limits.MaxEntryBytes)
                    throw PickleScanner.Refuse($"entry '{Short(entry.FullName)}' is larger than {limits.MaxEntryBytes / 1048576.0:0.#} MB");
                bool isPickle = entry.FullName == "data.pkl" || entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal);
                if (isPickle && pickle is not null) throw PickleScanner.Refuse("its archive holds more than one data.pkl");
                using var pickleCopy = isPickle ? new MemoryStream() : null;
                long inflated = 0;
                try
                {
                    using var s = entry.Open();
                    int n;
                    while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        inflated += n;
                        total += n;
                        if (inflated > limits.MaxEntryBytes)
                            throw PickleScanner.Refuse($"entry '{Short(entry.FullName)}' inflates to more than {limits.MaxEntryBytes / 1048576.0:0.#} MB");
                        if (total > limits.MaxTotalBytes)
                            throw PickleScanner.Refuse($"its entries inflate to more than {limits.MaxTotalBytes / 1048576.0:0.#} MB in all");
                        if (isPickle)
                        {
                            if (inflated > limits.MaxPickleBytes) throw PickleScanner.Refuse($"its data.pkl is larger than {limits.MaxPickleBytes / 1048576.0:0.#} MB");
                            pickleCopy!.Write(buffer, 0, n);
                        }
                        if (clock.Elapsed > limits.TimeBudget) throw TimeUp(limits);
                    }
                }
                catch (InvalidDataException)
                {
                    throw PickleScanner.Refuse($"entry '{Short(entry.FullName)}' is damaged");
                }
                if (clock.Elapsed > limits.TimeBudget) throw TimeUp(limits);
                if (isPickle) pickle = pickleCopy!.ToArray();
                else if (StorageKey(entry.FullName) is string key) storageBytes[key] = inflated;
            }
            if (pickle is null) throw PickleScanner.Refuse("its archive has no data.pkl");

            foreach (var claim in PickleScanner.Scan(pickle, limits, clock))
            {
                if (!storageBytes.TryGetValue(claim.Key, out var bytes))
                    throw PickleScanner.Refuse($"storage '{claim.Key}' is missing from the archive");
                if (bytes < claim.Elements * claim.ElementSize)
                    throw PickleScanner.Refuse($"storage '{claim.Key}' holds {bytes:N0} bytes but claims {claim.Elements:N0} elements of {claim.ElementSize} bytes");
            }
        }
    }

    /// <summary>Key of a storage entry: <c>&lt;archive&gt;/data/&lt;key&gt;</c>.</summary>
    private static string? StorageKey(string name)
    {
        int i = name.LastIndexOf("/data/", StringComparison.Ordinal);
        var key = i >= 0 ? name[(i + 6)..] : null;
        return key is { Length: > 0 } && !key.Contains('/') ? key : null;
    }

    /// <summary>
    /// The entry count of the end-of-central-directory record, read before <see cref="ZipArchive"/> builds an
    /// object per entry. 0xFFFF means "see the zip64 record", which a model file never needs; it counts as too many.
    /// </summary>
    private static int EntryCount(FileStream file)
    {
        const int eocdSize = 22, maxComment = 65535;
        int tail = (int)Math.Min(file.Length, eocdSize + maxComment);
        if (tail < eocdSize) throw PickleScanner.Refuse("it is too short to be a zip archive");
        var buf = new byte[tail];
        file.Position = file.Length - tail;
        file.ReadExactly(buf);
        for (int i = tail - eocdSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(i)) != 0x06054b50) continue;
            int count = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(i + 10));
            return count == 0xFFFF ? int.MaxValue : count;
        }
        throw PickleScanner.Refuse("it is not a readable zip archive");
    }

    private static CheckpointRejectedException TimeUp(CheckpointLimits limits) =>
        PickleScanner.Refuse($"checking it took longer than {limits.TimeBudget.TotalSeconds:0.#} s");

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
