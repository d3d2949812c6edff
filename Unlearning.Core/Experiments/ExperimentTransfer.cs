using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Models;

namespace Unlearning.Core.Experiments;

/// <summary>Export of stored experiments and import of result files (SPEC §6).</summary>
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
        OriginalFormat.Export(output, e, r, features);
    }

    /// <summary>
    /// Imports a result file as a new experiment (results only; no checkpoint, so it cannot be a base model).
    /// Keeps the file's ID when free; a baseline file whose baseline row is missing takes that row's id.
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
        if (baselineId is not null && !store.Exists(baselineId)) e.Id = baselineId;
        else
        {
            if (baselineId is not null) e.Type = ExperimentType.Unlearned; // a second "Original" would be ambiguous; keep it as a plain row
            if (e.Id.StartsWith("000", StringComparison.Ordinal) || e.Id.StartsWith("a00", StringComparison.Ordinal) || e.Id.IndexOfAny(['/', '\\', '.', '-']) >= 0 || store.Exists(e.Id))
                e.Id = ExperimentIds.NewRandom(store.Exists);
        }
        var path = ResultsDocument.Save(store.Artifacts, e.Id, imported.Results);
        e.ResultsPath = store.Artifacts.Relative(path);
        e.HyperparametersJson = "{}";
        store.Add(e);
        return e;
    }
}
