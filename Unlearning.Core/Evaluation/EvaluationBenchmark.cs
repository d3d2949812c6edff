using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

/// <summary>Evaluation-stage timings for the benchmark; filled in by the evaluation pipeline.</summary>
internal static class EvaluationBenchmark
{
    public static void Run(Dictionary<string, string> o, DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log)
    {
        log.WriteLine("evaluation pipeline: not built yet (issue 4)");
    }
}
