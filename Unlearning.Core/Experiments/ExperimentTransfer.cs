using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Models;

namespace Unlearning.Core.Experiments;

/// <summary>Export of stored experiments and import of result files.</summary>
public sealed class ExperimentTransfer(ExperimentStore store, DatasetLoader datasets, ForgetSetService sets)
{
    /// <summary>Largest accepted import (a file with features of a 512-d model is ~25 MB).</summary>
    public const long MaxImportBytes = 200L * 1024 * 1024;

    public void Export(string id, Stream output, bool withFeatures)
    {
        var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        var r = ResultsDocument.Load(store.Artifacts, e) ?? throw new InvalidOperationException($"Experiment '{id}' has no evaluation results yet.");
        var features = withFeatures ? ResultsDocument.LoadFeatures(store.Artifacts, id, r.FeatureDim)
            ?? throw new InvalidOperationException($"Experiment '{id}' has no stored features.") : null;
        OriginalFormat.Export(output, e, r, features, ResultsDocument.LoadImportedFile(store.Artifacts, e), ForgetSetOf(e), GapOf(e),
            DepthDocument.TryLoad(store.Artifacts, id), store.Staleness(e));
    }

    /// <summary>The experiment's forget set for the export: a class set by id and name, a stored sample set with its indexes.</summary>
    private OriginalFormat.ForgetSetInFile? ForgetSetOf(Experiment e)
    {
        if (string.IsNullOrEmpty(e.ForgetSetId) || DatasetCatalog.TryGet(e.Dataset) is not { } info || sets.Get(info, e.ForgetSetId) is not { } s) return null;
        return new(s.Id, s.Kind, s.Name, s.Size, s.Class, s.Count, s.Percent, s.Seed, s.Stratified,
            s.IsClassWise ? null : store.Scenario(info, s.Id).Indexes);
    }

    /// <summary>The gap to the mean of the forget set's Retrained models (docs/forget-sets.md, "Gap to Retrained").</summary>
    private double? GapOf(Experiment e) =>
        string.IsNullOrEmpty(e.ForgetSetId) ? null
        : Results.RunGroups.Gap(e, Results.RunGroups.RetrainedMeans(store.List(e.Dataset, e.Architecture, e.ForgetSetId).Where(x => x.Type == ExperimentType.Retrained)));

    /// <summary>
    /// Imports a result file as a new experiment (results only; no checkpoint, so it cannot be a base model).
    /// Keeps the file's ID when free, and what the file said beyond our results (its key order, its Type and the keys
    /// we do not read, <see cref="ImportedFile"/>) in the results document, so that an export writes the file back. The whole file is validated (<see cref="ImportSchema"/>) before anything is
    /// written; an 'Original' or 'Retrained' file whose baseline row does not exist is refused (it would become a
    /// baseline without a checkpoint, which nothing can evaluate against or delete); one whose baseline exists is
    /// kept as a plain row. If storing fails half-way, the experiment's folder is removed again.
    /// </summary>
    /// <param name="owner">The importing user (docs/lab-identity.md), recorded on the new experiment; null = nobody recorded.</param>
    public Experiment Import(Stream input, string? dataset, string? architecture, string? owner = null)
    {
        if (owner is { Length: > Job.MaxOwnerLength }) throw new ArgumentException($"An owner name has at most {Job.MaxOwnerLength} characters.");
        var info = DatasetCatalog.TryGet(dataset ?? DatasetCatalog.Cifar10.Id) ?? throw new ArgumentException($"Unknown dataset '{dataset}'.");
        var arch = ModelCatalog.TryGet(architecture ?? ModelCatalog.ResNet18.Id) ?? throw new ArgumentException($"Unknown architecture '{architecture}'.");
        var buffer = new MemoryStream();
        input.CopyTo(buffer);
        var depth = ReadDepth(buffer);
        buffer.Position = 0;
        var imported = OriginalFormat.Import(buffer, info.Id, arch.Id, info.NumClasses);
        var e = imported.Experiment;
        var fileInfo = DatasetCatalog.TryGet(e.Dataset) ?? throw new InvalidDataException($"The file's dataset '{e.Dataset}' is unknown.");
        var fileArch = ModelCatalog.TryGet(e.Architecture) ?? throw new InvalidDataException($"The file's architecture '{e.Architecture}' is unknown.");
        e.Dataset = fileInfo.Id;
        e.Architecture = fileArch.Id;
        e.Owner = owner;
        var sampleSet = CheckForgetSet(imported.ForgetSet, e, fileInfo);
        if (e.ForgetClass < 0 && e.Type != ExperimentType.Uploaded && sampleSet is null)
            throw new InvalidDataException("Only a 'Pretrained' result may have FC = \"N/A\" (or a result of a sample forget set, with its ForgetSet).");
        if (sampleSet is not null) e.ForgetSetId = sampleSet.Id;
        else if (e.ForgetClass >= 0) e.ForgetSetId = ForgetSets.ClassId(e.ForgetClass);
        string? baselineId = e.Type switch
        {
            ExperimentType.Original => ExperimentIds.Original(e.Dataset, e.Architecture, e.ForgetSetId),
            ExperimentType.Retrained => ExperimentIds.Retrained(e.Dataset, e.Architecture, e.ForgetSetId),
            _ => null,
        };
        ImportSchema.Validate(imported, fileInfo);
        if (baselineId is not null && !store.Exists(baselineId))
            throw new InvalidDataException($"An '{OriginalFormat.TypeName(e)}' result can only be imported where that baseline ({baselineId}) already exists; " +
                "import it as 'Unlearned', or train the baselines first.");
        if (baselineId is not null) e.Type = ExperimentType.Unlearned; // a second "Original" would be ambiguous; keep it as a plain row
        if (e.Id.StartsWith("000", StringComparison.Ordinal) || e.Id.StartsWith("a00", StringComparison.Ordinal) || e.Id.IndexOfAny(['/', '\\', '.', '-']) >= 0 || store.Exists(e.Id))
            e.Id = ExperimentIds.NewRandom(store.Exists);

        var folder = store.Artifacts.FolderOf(e.Id);
        bool folderExisted = Directory.Exists(folder);
        bool setAdded = false;
        try
        {
            if (sampleSet is not null && store.GetForgetSet(sampleSet.Dataset, sampleSet.Id) is null)
            {
                store.AddForgetSet(sampleSet);
                setAdded = true;
            }
            var path = ResultsDocument.Save(store.Artifacts, e.Id, imported.Results, imported.File);
            e.ResultsPath = store.Artifacts.Relative(path);
            e.HyperparametersJson = "{}";
            if (depth is not null) DepthDocument.Save(store.Artifacts, e.Id, depth);
            store.Add(e);
        }
        catch
        {
            if (!folderExisted && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            if (setAdded && sampleSet is not null) TryRemoveSet(sampleSet);
            throw;
        }
        return e;
    }

    /// <summary>
    /// The file's optional <c>depth</c> value (docs/results-format.md, "Depth of forgetting"), parsed and validated before
    /// anything is stored: NaN, wrong lengths or unknown fields of the wrong type refuse the whole file with the reason.
    /// </summary>
    private static Evaluation.Depth.DepthResults? ReadDepth(MemoryStream buffer)
    {
        buffer.Position = 0;
        System.Text.Json.JsonDocument doc;
        try { doc = System.Text.Json.JsonDocument.Parse(buffer); }
        catch (System.Text.Json.JsonException) { return null; }   // the format's reader reports the syntax error
        using (doc)
        {
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !doc.RootElement.TryGetProperty("depth", out var value)) return null;
            try { return DepthDocument.Parse(value.GetRawText()); }
            catch (InvalidDataException ex) { throw new InvalidDataException($"depth: {ex.Message}"); }
        }
    }

    private void TryRemoveSet(ForgetSet set)
    {
        try { store.DeleteForgetSet(set.Dataset, set.Id); }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException) { }
    }

    /// <summary>
    /// A file's <c>ForgetSet</c> (docs/results-format.md, "Forget set and gap"): a class set must name the file's FC; a
    /// sample set must list valid, distinct train indexes of the dataset whose id is the one they give (so a set is
    /// never stored under another set's id). Returns the sample set to store (null for a class set or none). Nothing is
    /// stored here.
    /// </summary>
    private ForgetSet? CheckForgetSet(OriginalFormat.ForgetSetInFile? set, Experiment e, DatasetInfo info)
    {
        if (set is null) return null;
        if (set.Kind == ForgetSetKind.Class)
        {
            if (!ForgetSets.TryParseClassId(set.Id, out var c) || c != e.ForgetClass)
                throw new InvalidDataException($"ForgetSet '{set.Id}' does not match FC = {e.ForgetClass}.");
            return null;
        }
        if (!datasets.IsAvailable(info)) throw new InvalidDataException($"The file's forget set needs {info.DisplayName}, which is not installed on this server.");
        var labels = datasets.Load(info).Train.Labels;
        int[] indexes;
        try
        {
            indexes = ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = set.Indexes ?? [] }, labels, info.NumClasses);
        }
        catch (ArgumentException ex) { throw new InvalidDataException($"ForgetSet: {ex.Message}"); }
        var id = ForgetSets.IdFor(info.Id, set.Kind, indexes);
        if (id != set.Id) throw new InvalidDataException($"ForgetSet '{set.Id}' does not match its indexes (they give '{id}').");
        if (set.Kind == ForgetSetKind.SubClass && (set.Class is not { } cls || cls < 0 || cls >= info.NumClasses || indexes.Any(i => labels[i] != cls)))
            throw new InvalidDataException("ForgetSet: a sub-class set's indexes must all belong to its class.");
        e.ForgetClass = set.Kind == ForgetSetKind.SubClass ? set.Class!.Value : -1;
        return new ForgetSet
        {
            Id = id, Dataset = info.Id, Kind = set.Kind, Class = set.Kind == ForgetSetKind.SubClass ? set.Class : null, Count = set.Count,
            Percent = set.Percent, Seed = set.Seed, Stratified = set.Stratified,
            // The name is only shown (encoded by the views); control characters go and it keeps the stored length.
            Name = new string((set.Name ?? "").Where(ch => !char.IsControl(ch)).Take(120).ToArray()).Trim() is { Length: > 0 } name ? name : $"imported list ({indexes.Length})",
            Size = indexes.Length, Indexes = ExperimentStore.FormatIndexes(indexes), CreatedUtc = DateTime.UtcNow,
        };
    }
}
