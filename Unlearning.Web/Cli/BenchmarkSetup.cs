using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>
/// What the benchmarks over shipped baselines share: the dataset and architecture looked up, LibTorch initialised on the
/// chosen device, the baseline folder's manifest read and the dataset decoded.
/// </summary>
internal sealed record BenchmarkSetup(DatasetInfo Info, ArchitectureInfo Arch, Device Device, string BaselineFolder, BaselineManifest Manifest, DatasetSplits Data)
{
    public static BenchmarkSetup Open(string dataRootSetting, string dataset, string architecture, string deviceName, int? threads,
        Action<DatasetInfo>? validate = null)
    {
        var dataRoot = DataPaths.ResolveDataRoot(dataRootSetting);
        var info = DatasetCatalog.Get(dataset);
        var arch = ModelCatalog.Get(architecture);
        validate?.Invoke(info);
        TorchDevice.Initialise(threads);
        var device = TorchDevice.Resolve(deviceName);
        var folder = DataPaths.BaselineFolder(dataRoot, info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder) ?? throw new ArgumentException($"No baselines in {folder}; run train-baselines first.");
        return new BenchmarkSetup(info, arch, device, folder, manifest, new DatasetLoader(dataRoot).Load(info));
    }
}
