namespace Unlearning.Core.Models;

/// <summary>
/// Hard limits for reading an untrusted PyTorch checkpoint (<c>.pth</c> zip). Every limit is enforced while the
/// file is streamed, so a hostile file is refused after at most these many bytes, operations and seconds.
/// </summary>
/// <param name="MaxFileBytes">Size of the file on disk (the compressed total).</param>
/// <param name="MaxEntries">Zip entries, as the end-of-central-directory record claims them.</param>
/// <param name="MaxEntryBytes">Bytes one entry may inflate to (counted while inflating, not read from headers).</param>
/// <param name="MaxTotalBytes">Bytes all entries together may inflate to.</param>
/// <param name="MaxPickleBytes">Size of <c>data.pkl</c> (a state dict's pickle is tens of kilobytes).</param>
/// <param name="MaxPickleOps">Pickle opcodes executed.</param>
/// <param name="MaxPickleObjects">Objects the pickle may create (strings, tuples, ints, list items, memo entries).</param>
/// <param name="MaxStringBytes">Length of one pickled string or bytes value.</param>
/// <param name="MaxStorageElements">Elements of one tensor storage.</param>
/// <param name="MaxTotalStorageElements">Elements of all storages together.</param>
/// <param name="TimeBudget">Wall-clock time for the whole check.</param>
public sealed record CheckpointLimits(
    long MaxFileBytes,
    int MaxEntries,
    long MaxEntryBytes,
    long MaxTotalBytes,
    int MaxPickleBytes,
    int MaxPickleOps,
    int MaxPickleObjects,
    int MaxStringBytes,
    long MaxStorageElements,
    long MaxTotalStorageElements,
    TimeSpan TimeBudget)
{
    /// <summary>
    /// Limits derived from the model the file must load into: no storage may hold more elements than the whole
    /// model, all storages together at most twice the model (room for shared or padded storages), 8 bytes per
    /// element at most (float64), plus 16 MB of slack for the pickle and small entries.
    /// </summary>
    public static CheckpointLimits ForModel(long modelElements, TimeSpan? timeBudget = null)
    {
        const long slack = 16L << 20;
        long total = 2 * modelElements * 8 + slack;
        return new CheckpointLimits(
            MaxFileBytes: total,
            MaxEntries: 4096,
            MaxEntryBytes: modelElements * 8 + slack,
            MaxTotalBytes: total,
            MaxPickleBytes: 16 << 20,
            MaxPickleOps: 2_000_000,
            MaxPickleObjects: 500_000,
            MaxStringBytes: 64 << 10,
            MaxStorageElements: Math.Max(modelElements, 1),
            MaxTotalStorageElements: 2 * Math.Max(modelElements, 1),
            TimeBudget: timeBudget ?? TimeSpan.FromSeconds(60));
    }
}
