using System.Text.Json;

namespace Unlearning.Core.Experiments;

/// <summary>
/// What an imported result file said beyond the values we store, so that exporting the experiment writes the file
/// back as it came (docs/results-format.md, "Import" and "Export"): the file's keys in their order, the values of the
/// keys we do not use (the original's legacy <c>PA</c>, anything else), and the
/// file's <c>Type</c>. Stored in the experiment's results document beside the results; null for computed results.
/// Extra values are kept as JSON and only copied, never interpreted; <see cref="ImportSchema.CheckExtraKey"/> bounds
/// them before they are kept.
/// </summary>
public sealed class ImportedFile
{
    /// <summary>The file's top-level keys in the file's order.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>The file's <c>Type</c> as written ("Original", "Retrained", "Unlearned" or "Pretrained").</summary>
    public string? Type { get; set; }

    /// <summary>Values of the keys the import does not read, by key (their order is <see cref="Keys"/>'s).</summary>
    public Dictionary<string, JsonElement> Extras { get; set; } = [];
}
