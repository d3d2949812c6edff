using Microsoft.Extensions.Logging;
using Unlearning.Core.Caching;
using Unlearning.Core.Evaluation;

namespace Unlearning.Core.Experiments;

/// <summary>
/// The read side of stored results for the comparison views: finds an experiment's row, reads its results document
/// through <see cref="ResultsDocument"/> and returns it as a typed <see cref="ComparedModel"/>. Documents are 0.5–1 MB
/// of JSON each, so they are kept per experiment id and parsed once while switching Model A or B back and forth or
/// while the Contrast and Attack stages share a model. An entry is dropped and re-read when the document's file
/// changes (re-evaluation writes it anew under the same name), and dropped when the file or the row is gone
/// (a deleted experiment). At most <c>capacity</c> documents are held (Unlearning:Caches:ResultsDocuments), the least
/// recently used evicted first with a log line (docs/architecture.md, "Caches"). Thread-safe: circuits call it concurrently.
/// </summary>
public sealed class ExperimentResultsReader(ExperimentStore store, int capacity = ExperimentResultsReader.DefaultCapacity, ILogger? logger = null)
{
    public const int DefaultCapacity = 32;

    /// <summary>A parsed document with the identity of the file it came from.</summary>
    private sealed record Entry(string Path, DateTime WrittenUtc, long Length, ExperimentResults Results);

    private readonly LruCache<string, Entry> _entries = new("results documents", capacity, _ => 1, logger);

    /// <summary>How many documents are held (for tests and diagnostics).</summary>
    public int CachedCount => _entries.Count;

    /// <summary>The experiment and its results; null when the id is unknown. Results are null when it is not evaluated yet.</summary>
    public ComparedModel? Get(string id)
    {
        var e = store.Get(id);
        if (e is null)
        {
            _entries.Remove(id);
            return null;
        }
        return new ComparedModel(e.Id, e.Type, e.ForgetClass, Load(e));
    }

    /// <summary><see cref="Get"/> off the caller's thread (reading and parsing a document takes tens of milliseconds).</summary>
    public Task<ComparedModel?> GetAsync(string id, CancellationToken cancellation = default) => Task.Run(() => Get(id), cancellation);

    /// <summary>The (first) Retrained model of a forget set, the attack's reference, by the baseline id scheme (docs/forget-sets.md, "Baselines").</summary>
    public Task<ComparedModel?> GetRetrainedAsync(string dataset, string architecture, string forgetSetId, CancellationToken cancellation = default) =>
        GetAsync(ExperimentIds.Retrained(dataset, architecture, forgetSetId), cancellation);

    /// <summary>
    /// A model whose results the caller already has (previews, tests, pasted results): no row is read, so its type is
    /// the one its id's scheme tells (<see cref="ExperimentIds.TypeOf"/>); "—" stands in for a missing id.
    /// </summary>
    public static ComparedModel Describe(string? id, ExperimentResults results, int forgetClass) =>
        new(id ?? "—", ExperimentIds.TypeOf(id ?? ""), forgetClass, results);

    /// <summary>The Retrained model of a forget class when the caller already has its results (previews, tests).</summary>
    public static ComparedModel DescribeRetrained(string dataset, string architecture, int forgetClass, ExperimentResults results) =>
        Describe(ExperimentIds.Retrained(dataset, architecture, forgetClass), results, forgetClass);

    /// <summary>Forgets an experiment's document (the next read parses its file again).</summary>
    public void Invalidate(string id) => _entries.Remove(id);

    private ExperimentResults? Load(Experiment e)
    {
        if (e.ResultsPath is null)
        {
            _entries.Remove(e.Id);
            return null;
        }
        var file = new FileInfo(store.Artifacts.Resolve(e.ResultsPath));
        if (!file.Exists)
        {
            _entries.Remove(e.Id);
            return null;
        }
        if (_entries.TryGet(e.Id, out var hit) && hit.Path == file.FullName && hit.WrittenUtc == file.LastWriteTimeUtc && hit.Length == file.Length)
            return hit.Results;
        var results = ResultsDocument.Load(store.Artifacts, e);
        if (results is null) return null;
        _entries.Set(e.Id, new Entry(file.FullName, file.LastWriteTimeUtc, file.Length, results));
        return results;
    }
}
