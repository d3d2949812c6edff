using Unlearning.Core.Data;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Support;

/// <summary>
/// A data root shaped like the shipped one — <c>fashion-mnist/*.gz</c> (28×28, ten classes) and compact baselines
/// with a manifest — but with 200 generated train and 20 test images per class (class c lights a distinct row band, plus
/// seeded noise) and baselines trained for a few epochs on them: the job pipeline (baseline evaluation, unlearning,
/// UMAP, CKA, attack, storage) runs end to end in seconds instead of over 70,000 images.
/// </summary>
internal static class TinyFashionMnist
{
    public const int TrainPerClass = 200, TestPerClass = 20;   // the fixed evaluation subset takes 200 train images per class

    /// <summary>Creates the data root in a new temporary folder and returns its path.</summary>
    /// <param name="retrainedClasses">Forget classes whose Retrained baseline is trained (the Original always is).</param>
    public static string Create(params int[] retrainedClasses)
    {
        var root = Path.Combine(TestData.TempFolder(), "data");
        var info = DatasetCatalog.FashionMnist;
        var dir = Path.Combine(root, info.Folder);
        Directory.CreateDirectory(dir);
        Write(dir, "train", TestData.Images(info, TrainPerClass, seed: 1));
        Write(dir, "t10k", TestData.Images(info, TestPerClass, seed: 2));
        BaselineTraining.Run(new BaselineTrainingRequest
        {
            DataRoot = root, ForgetClasses = retrainedClasses, Epochs = 4, BatchSize = 64, Seed = 1, Device = "cpu",
        }, TextWriter.Null);
        return root;
    }

    private static void Write(string dir, string prefix, ImageSet set)
    {
        IdxReader.WriteImages(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), set.Pixels, set.Count, set.Info.Height, set.Info.Width, gzip: true);
        IdxReader.WriteLabels(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), set.Labels, gzip: true);
    }
}
