using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Support;

/// <summary>Hand-made experiment rows for the screening-table tests.</summary>
internal static class TableFixtures
{
    public static Experiment Row(string id, ExperimentType type, double? ua = null, double? ra = null, double? tua = null, double? tra = null,
        double? rt = null, double? ps = null, string? method = null, int minute = 0) => new()
    {
        Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 3, Type = type,
        Method = method ?? (type == ExperimentType.Unlearned ? "FineTuning" : type == ExperimentType.Retrained ? "Retrain" : null),
        BaseId = type == ExperimentType.Unlearned ? "0003-fashion-mnist-compact" : null,
        Epochs = 2, BatchSize = 128, LearningRate = 0.05, UA = ua, RA = ra, TUA = tua, TRA = tra, RT = rt, PS = ps,
        // A distinct hyperparameter per row, so that no two fixture rows are runs of one configuration (a group).
        HyperparametersJson = $"{{\"fixture_row\":{minute}}}", ForgetSetId = "class-3",
        CreatedUtc = DateTime.UnixEpoch.AddMinutes(minute), Status = ExperimentStatus.Ready, CheckpointPath = $"{id}.pth",
    };

    /// <summary>Original, Retrained and three unlearned rows; "c003" has no PS (N/A).</summary>
    public static List<Experiment> Rows() =>
    [
        Row("0003-fashion-mnist-compact", ExperimentType.Original, ua: 1.0, ra: 1.0, tua: 0.9, tra: 0.95),
        Row("a003-fashion-mnist-compact", ExperimentType.Retrained, ua: 0, ra: 1.0, tua: 0, tra: 0.94, rt: 200, ps: 1.0, minute: 1),
        Row("b001", ExperimentType.Unlearned, ua: 0.05, ra: 0.9, tua: 0.06, tra: 0.9, rt: 12.5, ps: 0.4, minute: 2),
        Row("c003", ExperimentType.Unlearned, ua: 0.15, ra: 0.97, tua: 0.12, tra: 0.93, rt: 64, ps: null, minute: 3, method: "GradientAscent"),
        Row("d004", ExperimentType.Unlearned, ua: 0.3, ra: 0.7, tua: 0.25, tra: 0.7, rt: 100, ps: 0.7, minute: 4),
    ];
}
