using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Support;

/// <summary>
/// A tiny generated dataset (10 classes of 8×8×1 images: class c lights the 2×2 blocks c and c + 1 of a 4×4 grid
/// on a noisy dark background, so neighbouring classes share a block, as similar garments share features; 60 train and 20 test images per class) and an Original compact model
/// trained on it once per test class. Forget class 3.
/// </summary>
public sealed class SyntheticUnlearningData : IDisposable
{
    public const int Classes = 10, TrainPerClass = 60, TestPerClass = 20, ForgetClass = 3;

    public static readonly DatasetInfo Info = new("synthetic", "Synthetic", 1, 8, 8,
        [.. Enumerable.Range(0, Classes).Select(c => $"class {c}")], [0.5f], [0.5f], 1, "synthetic", "generated");

    public SyntheticUnlearningData()
    {
        // Tiny tensors: one LibTorch thread avoids oversubscription on a busy 2-core machine (restored in Dispose).
        _threads = get_num_threads();
        set_num_threads(1);
        Splits = new DatasetSplits(Info, Generate(TrainPerClass, seed: 11), Generate(TestPerClass, seed: 12));
        Split = ForgetSplit.Create(Splits, ForgetClass);
        Train = new TensorData(Splits.Train, CPU);
        Test = new TensorData(Splits.Test, CPU);
        Trainer.Seed(1);
        Original = CreateModel();
        var recipe = new TrainOptions { Epochs = 12, LearningRate = 0.05, BatchSize = 32, Augment = false, Seed = 1 };
        Trainer.Train(Original, Train, Enumerable.Range(0, Train.Count).ToArray(), recipe);
        OriginalTestAccuracy = Trainer.Accuracy(Original, Test).Overall;
        (OriginalForget, OriginalTestRetain, _) = Measure(Original);
    }

    /// <summary>
    /// Margins of the method tests, relative to the Original: a run must bring the forget-class train accuracy at least
    /// <see cref="ForgetDrop"/> below the Original's and keep the test accuracy on the other classes within
    /// <see cref="RetainLoss"/> of it. On the 2-core EPYC build machine (this fixture's one LibTorch thread, seeds 2048, 1, 2) the
    /// Original scores 100 % on both, every tested run ends at 0 % forget-class accuracy and ≥ 98.9 % retain accuracy,
    /// so both bounds leave ≥ 24 points for other CPUs, thread counts and kernels; a run that does nothing (forget stays
    /// ~100 %) or wrecks the model (retain falls towards 10 %) still fails.
    /// </summary>
    public const double ForgetDrop = 0.5, RetainLoss = 0.25;

    /// <summary>The Original's forget-class train accuracy (UA).</summary>
    public double OriginalForget { get; }

    /// <summary>The Original's test accuracy on the other classes (TRA).</summary>
    public double OriginalTestRetain { get; }

    /// <summary>Asserts the relative margins of <see cref="ForgetDrop"/> and <see cref="RetainLoss"/> for a model after unlearning.</summary>
    public void AssertForgotAndKept(string what, Classifier model, double retainLoss = RetainLoss)
    {
        var (forget, testRetain, testForget) = Measure(model);
        string numbers = $"forget-class train accuracy {forget:P1} (Original {OriginalForget:P1}), test accuracy on the other classes {testRetain:P1} (Original {OriginalTestRetain:P1}), forget-class test accuracy {testForget:P1}";
        Xunit.Assert.True(forget <= OriginalForget - ForgetDrop, $"{what} did not forget: {numbers}");
        Xunit.Assert.True(testRetain >= OriginalTestRetain - retainLoss, $"{what} lost too much on the other classes: {numbers}");
    }

    private readonly int _threads;

    public DatasetSplits Splits { get; }
    public ForgetSplit Split { get; }
    public TensorData Train { get; }
    public TensorData Test { get; }
    public Classifier Original { get; }
    public double OriginalTestAccuracy { get; }

    public static Classifier CreateModel() => new CompactResNet(1, Classes);

    private static ImageSet Generate(int perClass, int seed)
    {
        var rng = new Random(seed);
        int n = perClass * Classes;
        var pixels = new byte[n * 64];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % Classes;
            labels[i] = c;
            var img = pixels.AsSpan(i * 64, 64);
            for (int p = 0; p < 64; p++) img[p] = (byte)rng.Next(0, 90);
            foreach (int block in new[] { c, c + 1 })
            {
                int by = block / 4 * 2, bx = block % 4 * 2;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        img[(by + dy) * 8 + bx + dx] = (byte)rng.Next(170, 256);
            }
        }
        return new ImageSet(Info, pixels, labels);
    }

    /// <summary>A run context on a fresh copy of the Original, with the given hyperparameters validated against the method.</summary>
    public UnlearningContext Context(IUnlearningMethod method, IReadOnlyDictionary<string, double>? hyperparameters, long seed = 2048)
    {
        var model = CreateModel();
        using (no_grad())
            model.load_state_dict(Original.state_dict());
        return new UnlearningContext(model, CreateModel, Train, Test, Split, CPU, seed,
            HyperparameterValidation.Validate(method, hyperparameters));
    }

    /// <summary>(forget-class train accuracy = UA, test accuracy on the other classes = TRA, test accuracy on the forget class).</summary>
    public (double Forget, double TestRetain, double TestForget) Measure(Classifier model)
    {
        var (_, trainPerClass) = Trainer.Accuracy(model, Train);
        var (_, testPerClass) = Trainer.Accuracy(model, Test);
        return (trainPerClass[ForgetClass], testPerClass.Where((_, c) => c != ForgetClass).Average(), testPerClass[ForgetClass]);
    }

    public void Dispose()
    {
        Original.Dispose();
        Train.Dispose();
        Test.Dispose();
        set_num_threads(_threads);
    }
}
