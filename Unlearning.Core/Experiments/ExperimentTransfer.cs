using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Models;

namespace Unlearning.Core.Experiments;

/// <summary>Export of stored experiments and import of result files.</summary>
public sealed class ExperimentTransfer(ExperimentStore store)
{
    /// <summary>Largest accepted import (a file with features of a 512-d model is ~25 MB).</summary>
    public const long MaxImportBytes = 200L * 1024 * 1024;

    public void Export(string id, Stream output, bool withFeatures)
    {
        var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
        var r = ResultsDocument.Load(store.Artifacts, e) ?? throw new InvalidOperationException($"Experiment '{id}' has no evaluation results yet.");
        var features = withFeatures ? ResultsDocument.LoadFeatures(store.Artifacts, id, r.FeatureDim)
            ?? throw new InvalidOperationException($"Experiment '{id}' has no stored features.") : null;
        OriginalFormat.Export(output, e, r, features, ResultsDocument.LoadImportedFile(store.Artifacts, e));
    }

    /// <summary>
    /// Imports a result file as a new experiment (results only; no checkpoint, so it cannot be a base model).
    /// Keeps the file's ID when free, and what the file said beyond our results (its key order, its Type and the keys
    /// we do not read, <see cref="ImportedFile"/>) in the results document, so that an export writes the file back. The whole file is validated (<see cref="ImportSchema"/>) before anything is
    /// written; an 'Original' or 'Retrained' file whose baseline row does not exist is refused (it would become a
    /// baseline without a checkpoint, which nothing can evaluate against or delete); one whose baseline exists is
    /// kept as a plain row. If storing fails half-way, the experiment's folder is removed again.
    /// </summary>
    public Experiment Import(Stream input, string? dataset, string? architecture)
    {
        var info = DatasetCatalog.TryGet(dataset ?? DatasetCatalog.Cifar10.Id) ?? throw new ArgumentException($"Unknown dataset '{dataset}'.");
        var arch = ModelCatalog.TryGet(architecture ?? ModelCatalog.ResNet18.Id) ?? throw new ArgumentException($"Unknown architecture '{architecture}'.");
        var imported = OriginalFormat.Import(input, info.Id, arch.Id, info.NumClasses);
        var e = imported.Experiment;
        var fileInfo = DatasetCatalog.TryGet(e.Dataset) ?? throw new InvalidDataException($"The file's dataset '{e.Dataset}' is unknown.");
        var fileArch = ModelCatalog.TryGet(e.Architecture) ?? throw new InvalidDataException($"The file's architecture '{e.Architecture}' is unknown.");
        e.Dataset = fileInfo.Id;
        e.Architecture = fileArch.Id;
        if (e.ForgetClass < 0 && e.Type != ExperimentType.Uploaded)
            throw new InvalidDataException("Only a 'Pretrained' result may have FC = \"N/A\".");
        string? baselineId = e.Type switch
        {
            ExperimentType.Original => ExperimentIds.Original(e.Dataset, e.Architecture, e.ForgetClass),
            ExperimentType.Retrained => ExperimentIds.Retrained(e.Dataset, e.Architecture, e.ForgetClass),
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
        try
        {
            var path = ResultsDocument.Save(store.Artifacts, e.Id, imported.Results, imported.File);
            e.ResultsPath = store.Artifacts.Relative(path);
            e.HyperparametersJson = "{}";
            store.Add(e);
        }
        catch
        {
            if (!folderExisted && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            throw;
        }
        return e;
    }
}
