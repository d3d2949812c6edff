using System.Collections.Concurrent;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Views;

/// <summary>
/// Loaded results documents per experiment id (they are 0.5–1 MB of JSON each), so that switching Model A or B
/// back and forth, and the Contrast and Attack panels sharing a model, parse each document once. An entry is
/// reloaded when the experiment's results file changes (re-evaluation writes it anew).
/// </summary>
public sealed class ExperimentResultsCache(ExperimentStore store)
{
    private sealed record Entry(string Path, DateTime WrittenUtc, ExperimentResults Results);

    private readonly ConcurrentDictionary<string, Entry> entries = new();

    /// <summary>The experiment and its results (null when the id is unknown or not evaluated yet).</summary>
    public ComparedModel? Get(string id)
    {
        var e = store.Get(id);
        if (e is null) return null;
        return new ComparedModel(e.Id, e.Type, Load(e));
    }

    public Task<ComparedModel?> GetAsync(string id) => Task.Run(() => Get(id));

    private ExperimentResults? Load(Experiment e)
    {
        if (e.ResultsPath is null) return null;
        var path = store.Artifacts.Resolve(e.ResultsPath);
        if (!File.Exists(path)) return null;
        var written = File.GetLastWriteTimeUtc(path);
        if (entries.TryGetValue(e.Id, out var hit) && hit.Path == path && hit.WrittenUtc == written) return hit.Results;
        var results = ResultsDocument.Load(store.Artifacts, e);
        if (results is null) return null;
        entries[e.Id] = new Entry(path, written, results);
        return results;
    }
}
