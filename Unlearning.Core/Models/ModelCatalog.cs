using Unlearning.Core.Data;

namespace Unlearning.Core.Models;

/// <summary>An architecture the system can build (its training recipe is in <c>Training.DefaultRecipes</c>).</summary>
public sealed record ArchitectureInfo(
    string Id,
    string DisplayName,
    string Description,
    Func<DatasetInfo, Classifier> Create);

/// <summary>Registry of architectures by name.</summary>
public static class ModelCatalog
{
    public static readonly ArchitectureInfo Compact = new(
        "compact", "Compact ResNet (CPU)",
        "7-layer residual CNN (stride-2 stem 16, blocks 16/32/32/64/64), ~170k parameters; the CPU default.",
        d => new CompactResNet(d.Channels, d.NumClasses));

    public static readonly ArchitectureInfo ResNet18 = new(
        "resnet18", "ResNet-18",
        "CIFAR variant of ResNet-18 (3×3 stem, no max-pool), 11.17M parameters, as the original system.",
        d => new Models.ResNet18(d.Channels, d.NumClasses));

    public static IReadOnlyList<ArchitectureInfo> All { get; } = [Compact, ResNet18];

    public static ArchitectureInfo Get(string id) =>
        TryGet(id) ?? throw new ArgumentException($"Unknown architecture '{id}'. Known: {string.Join(", ", All.Select(a => a.Id))}.");

    public static ArchitectureInfo? TryGet(string? id) =>
        All.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase)
                             || string.Equals(a.DisplayName, id, StringComparison.OrdinalIgnoreCase));
}
