using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Core.Training;

/// <summary>
/// The Original/Retrain training recipe that suits each architecture, keyed by architecture id. It lives here rather
/// than on <see cref="ArchitectureInfo"/> so that Models does not depend on Training (Training → Models only).
/// </summary>
public static class DefaultRecipes
{
    private static readonly Dictionary<string, TrainOptions> ByArchitecture = new(StringComparer.OrdinalIgnoreCase)
    {
        [ModelCatalog.Compact.Id] = TrainOptions.CompactDefaults,
        [ModelCatalog.ResNet18.Id] = TrainOptions.ResNet18Defaults,
    };

    /// <summary>The recipe of architecture <paramref name="architectureId"/> (an architecture added to the catalogue needs a row here).</summary>
    public static TrainOptions For(string architectureId) =>
        ByArchitecture.TryGetValue(architectureId, out var recipe) ? recipe
        : throw new ArgumentException($"No default training recipe for architecture '{architectureId}'; add one to {nameof(DefaultRecipes)}.", nameof(architectureId));

    /// <summary>The recipe of <paramref name="architecture"/> on <paramref name="dataset"/> (today the same for every dataset).</summary>
    public static TrainOptions DefaultRecipe(this ArchitectureInfo architecture, DatasetInfo dataset) => For(architecture.Id);
}
