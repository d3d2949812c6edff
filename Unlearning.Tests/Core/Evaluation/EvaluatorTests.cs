using System.Text.Json;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation;

/// <summary>The whole evaluation pipeline on a tiny generated dataset, checked against independent computations.</summary>
[Collection("Torch")]
public class EvaluatorTests
{
    private sealed record World(DatasetSplits Data, TensorData Train, TensorData Test, Classifier Original, Classifier Retrained, ForgetSplit Split, int[] Subset);

    private static World Build(int fc = 2)
    {
        var data = TestData.Splits(trainPerClass: 40, testPerClass: 12);
        var train = new TensorData(data.Train, CPU);
        var test = new TensorData(data.Test, CPU);
        var split = ForgetSplit.Create(data, fc);
        var recipe = new TrainOptions { Epochs = 8, LearningRate = 0.05, BatchSize = 32, Seed = 3 };
        Trainer.Seed(3);
        var original = new CompactResNet(1, 10);
        Trainer.Train(original, train, Enumerable.Range(0, data.Train.Count).ToArray(), recipe);
        Trainer.Seed(4);
        var retrained = new CompactResNet(1, 10);
        Trainer.Train(retrained, train, split.Retain, recipe);
        var subset = FixedSubset.Select(data.Train.Labels, 10, perClass: 20);
        return new World(data, train, test, original, retrained, split, subset);
    }

    [Fact]
    public void Cka_subset_and_attack_values_from_the_shared_passes_equal_separate_computations()
    {
        // The evaluator takes the CKA activations and the subset's logits/features from its accuracy passes;
        // here each is recomputed on its own with plain forwards of the same samples.
        var w = Build();
        var evaluator = new Evaluator { CkaBatchSize = 100, CkaGramType = ScalarType.Float64 };
        var r = evaluator.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, null, null, false)).Results;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        w.Original.eval();
        w.Retrained.eval();

        // CKA, Retrained (rows) against the evaluated Original (columns), other classes, train: the first tenth of the retain set (36 samples, one batch).
        var retainCka = w.Split.Retain[..(w.Split.Retain.Length / 10)];
        var (xr, _) = w.Train.Batch([.. retainCka.Select(i => (long)i)]);
        var direct = new Unlearning.Core.Evaluation.Cka.MinibatchCka(7, 7, ScalarType.Float64);
        direct.Add(w.Retrained.ForwardLayers(xr), w.Original.ForwardLayers(xr));
        var expected = direct.Result();
        // Test, forget class: the first half of the test forget set (6 samples).
        var testForget = w.Split.TestForget[..(w.Split.TestForget.Length / 2)];
        var (xt, _) = w.Test.Batch([.. testForget.Select(i => (long)i)]);
        var directTest = new Unlearning.Core.Evaluation.Cka.MinibatchCka(7, 7, ScalarType.Float64);
        directTest.Add(w.Retrained.ForwardLayers(xt), w.Original.ForwardLayers(xt));
        var expectedTest = directTest.Result();
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
            {
                Assert.InRange(r.CkaRetrain!.Train.OtherClasses[i][j] - expected[i, j], -1e-4, 1e-4);
                Assert.InRange(r.CkaRetrain.Test.ForgetClass[i][j] - expectedTest[i, j], -1e-4, 1e-4);
            }

        // Subset: predictions, T = 2 probabilities and the forget samples' entropy/confidence from a direct forward of the
        // model's modules. The evaluation's pass folds the batch norms into the convolutions (docs/architecture.md, "Inference
        // passes"), so values agree to float32 rounding: compared with a tolerance, not by rounding both sides.
        var (xs, _) = w.Train.Batch([.. w.Subset.Select(i => (long)i)]);
        var logits = w.Original.call(xs);
        var pred = logits.argmax(1).data<long>().ToArray();
        var probs = nn.functional.softmax(logits / 2.0, 1).to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < w.Subset.Length; i++)
        {
            Assert.Equal(pred[i], r.Points[i].Pred);
            for (int c = 0; c < 10; c++) Assert.InRange(r.Points[i].Probs[c] - probs[i * 10 + c], -1e-5, 1e-5);
        }
        var forgetRows = Enumerable.Range(0, w.Subset.Length).Where(i => w.Data.Train.Labels[w.Subset[i]] == 2).ToArray();
        var (entropy, confidence) = Unlearning.Core.Evaluation.Privacy.MiaSignals.Compute(logits.index_select(0, tensor(forgetRows.Select(i => (long)i).ToArray())));
        for (int i = 0; i < forgetRows.Length; i++)
        {
            Assert.Equal(w.Subset[forgetRows[i]], r.Attack!.Values[i].Img);
            Assert.InRange(r.Attack.Values[i].Entropy - entropy[i], -1e-4, 1e-4);
            Assert.InRange(r.Attack.Values[i].Confidence - confidence[i], -1e-3, 1e-3);
        }
    }

    [Fact]
    public void Cached_reference_Gram_matrices_give_the_same_cka_as_computing_them()
    {
        var w = Build();
        using var cache = new Unlearning.Core.Evaluation.Cka.ReferenceGramCache();
        var cached = new Evaluator { CkaBatchSize = 100, GramCache = cache };
        // The Retrained baseline is evaluated first with its own key: its Gram matrices go into the cache;
        // the Original is a reference there, so its matrices are cached too.
        var r = cached.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, null, true,
            OriginalCacheKey: "original", OwnCacheKey: "retrained"));
        Assert.NotNull(cache.Get("retrained", 1, 0));
        Assert.NotNull(cache.Get("original", 3, 0));
        var viaCache = cached.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, r.Results, null, false,
            OriginalCacheKey: "original", RetrainedCacheKey: "retrained")).Results;
        var direct = new Evaluator { CkaBatchSize = 100 }.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, r.Results, null, false)).Results;
        foreach (var (a, b) in new[] { (viaCache.Cka!, direct.Cka!), (viaCache.CkaRetrain!, direct.CkaRetrain!) })
            foreach (var (ma, mb) in new[] { (a.Train.ForgetClass, b.Train.ForgetClass), (a.Train.OtherClasses, b.Train.OtherClasses), (a.Test.ForgetClass, b.Test.ForgetClass), (a.Test.OtherClasses, b.Test.OtherClasses) })
                for (int i = 0; i < ma.Length; i++)
                    for (int j = 0; j < ma[i].Length; j++) Assert.Equal(mb[i][j], ma[i][j], 9);
    }

    [Fact]
    public void Warmed_reference_Gram_matrices_are_the_ones_an_evaluation_uses_and_it_forwards_no_reference()
    {
        var w = Build();
        using var cache = new Unlearning.Core.Evaluation.Cka.ReferenceGramCache();
        var warm = new Evaluator { CkaBatchSize = 100, GramCache = cache };
        // CKA samples of this world (forget class 2, 40 train and 12 test images per class): train forget 40/10 = 4,
        // train other 360/10 = 36, test forget 12/2 = 6, test other 108/2 = 54 — one batch of at most 100 each.
        Assert.False(warm.HoldsReferenceGrams("original", w.Split));
        Assert.Equal(4, warm.WarmReferenceGrams(w.Original, "original", w.Train, w.Test, w.Split));
        Assert.True(warm.HoldsReferenceGrams("original", w.Split));
        Assert.False(warm.HoldsReferenceGrams("retrained", w.Split));
        Assert.Equal(4, warm.WarmReferenceGrams(w.Retrained, "retrained", w.Train, w.Test, w.Split));
        for (int set = 0; set < 4; set++)
        {
            Assert.NotNull(cache.Get("original", set, 0));
            Assert.NotNull(cache.Get("retrained", set, 0));
            Assert.Null(cache.Get("original", set, 1));
        }
        // Warming again computes nothing. Without a cache, or with other batches, nothing is held.
        Assert.Equal(0, warm.WarmReferenceGrams(w.Original, "original", w.Train, w.Test, w.Split));
        Assert.False(new Evaluator { CkaBatchSize = 50 }.HoldsReferenceGrams("original", w.Split));
        Assert.False(new Evaluator { CkaBatchSize = 50, GramCache = cache }.HoldsReferenceGrams("original", w.Split));

        var retrainedOut = new Evaluator { CkaBatchSize = 100 }.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, null, true));
        var input = new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, retrainedOut.Results, null, false,
            OriginalCacheKey: "original", RetrainedCacheKey: "retrained");
        var viaWarm = warm.Evaluate(input);
        Assert.Equal(0, viaWarm.Profile.GetValueOrDefault(EvaluationProfile.CkaForward));
        var direct = new Evaluator { CkaBatchSize = 100 }.Evaluate(input with { OriginalCacheKey = null, RetrainedCacheKey = null });
        Assert.True(direct.Profile.GetValueOrDefault(EvaluationProfile.CkaForward) > 0);
        foreach (var (a, b) in new[] { (viaWarm.Results.Cka!, direct.Results.Cka!), (viaWarm.Results.CkaRetrain!, direct.Results.CkaRetrain!) })
            foreach (var (ma, mb) in new[] { (a.Train.ForgetClass, b.Train.ForgetClass), (a.Train.OtherClasses, b.Train.OtherClasses), (a.Test.ForgetClass, b.Test.ForgetClass), (a.Test.OtherClasses, b.Test.OtherClasses) })
                for (int i = 0; i < ma.Length; i++)
                    for (int j = 0; j < ma[i].Length; j++) Assert.Equal(mb[i][j], ma[i][j], 9);
    }

    [Fact]
    public void Evaluation_matches_independent_accuracies_and_fills_every_part_of_the_results()
    {
        var w = Build();
        var evaluator = new Evaluator { CkaBatchSize = 100 };
        var retrainedOut = evaluator.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, null, IsRetrained: true));
        var originalOut = evaluator.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, retrainedOut.Results, null, IsRetrained: false));
        var r = originalOut.Results;

        // Accuracies against Trainer.Predict (an independent pass), macro means by hand.
        var pred = Trainer.Predict(w.Original, w.Train);
        var perClass = Enumerable.Range(0, 10).Select(c =>
            (double)Enumerable.Range(0, pred.Length).Count(i => w.Data.Train.Labels[i] == c && pred[i] == c) / Enumerable.Range(0, pred.Length).Count(i => w.Data.Train.Labels[i] == c)).ToArray();
        Assert.Equal(perClass, r.Accs);
        Assert.Equal(perClass[2], originalOut.UA);
        Assert.Equal(perClass.Where((_, i) => i != 2).Sum() / 9, originalOut.RA, 12);
        Assert.All(r.LabelDist, row => Assert.Equal(1.0, row.Sum(), 9));
        Assert.All(r.ConfDist, row => Assert.Equal(1.0, row.Sum(), 5));
        Assert.Equal(r.Accs[4], r.LabelDist[4][4]);

        // Retrained model never saw the forget class; the Original did. Relative, with a wide margin: the Original's
        // forget accuracy on this tiny task was 0.875 here (1 and 2 threads), which an absolute 0.8 bar left 3 images of room.
        Assert.True(retrainedOut.UA < 0.2, $"retrained UA {retrainedOut.UA}");
        Assert.True(originalOut.UA - retrainedOut.UA > 0.5, $"original UA {originalOut.UA} vs retrained {retrainedOut.UA}");

        // Subset: 200 points, class order, forget flags, probabilities at T = 2 sum to 1.
        Assert.Equal(200, r.Points.Count);
        Assert.Equal(w.Subset, r.Points.Select(p => p.Img));
        Assert.All(r.Points, p => Assert.Equal(p.Gt == 2, p.IsForget));
        Assert.All(r.Points, p => Assert.Equal(1.0, p.Probs.Sum(), 6));
        Assert.Equal(20, r.Attack!.Values.Count);
        Assert.Equal(4, r.Attack.Results.Count);
        Assert.All(r.Attack.Results.Values, c => Assert.Equal(51, c.Count));
        Assert.Equal(w.Split.Forget.Length, r.ForgetEntropy.Length);
        Assert.Equal(originalOut.FeatureDim * 200, originalOut.Features.Length);

        // PS: the Retrained model against itself is indistinguishable; the Original is less private.
        Assert.Equal(1.0, retrainedOut.PS!.Value, 6);
        Assert.True(originalOut.PS < retrainedOut.PS, $"PS original {originalOut.PS} vs retrained {retrainedOut.PS}");

        // CKA: a model against itself has 1 on the diagonal; against the other reference it is in [0, 1].
        Assert.NotNull(r.Cka);
        Assert.NotNull(r.CkaRetrain);
        for (int l = 0; l < r.Cka!.Layers.Length; l++)
        {
            Assert.Equal(1.0, r.Cka.Train.OtherClasses[l][l], 6);
            Assert.InRange(r.CkaRetrain!.Test.ForgetClass[l][l], 0, 1);
        }
        Assert.Equal(Evaluator.Stages, r.StageSeconds.Keys);
    }

    [Fact]
    public void Embedding_is_deterministic_and_aligned_to_the_original()
    {
        var w = Build();
        var evaluator = new Evaluator { CkaBatchSize = 100 };
        var o = evaluator.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, null, false));
        var a = evaluator.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, o.Results, true));
        var b = evaluator.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, o.Results, true));
        Assert.Equal(a.Results.Points.Select(p => (p.X, p.Y)), b.Results.Points.Select(p => (p.X, p.Y)));
        // Aligning the Original's embedding to itself must leave it in place (Procrustes of identical sets).
        var self = evaluator.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, o.Results, false));
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(o.Results.Points[i].X, self.Results.Points[i].X, 6);
            Assert.Equal(o.Results.Points[i].Y, self.Results.Points[i].Y, 6);
        }
    }

    [Fact]
    public void Export_then_import_round_trips_in_the_original_format()
    {
        var w = Build();
        var evaluator = new Evaluator { CkaBatchSize = 100 };
        var rOut = evaluator.Evaluate(new EvaluationInput(w.Retrained, w.Train, w.Test, w.Split, w.Subset, w.Original, null, null, null, true));
        var oOut = evaluator.Evaluate(new EvaluationInput(w.Original, w.Train, w.Test, w.Split, w.Subset, w.Original, w.Retrained, rOut.Results, null, false));
        var e = new Experiment
        {
            Id = "3f9c", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 2, Type = ExperimentType.Unlearned, BaseId = "0002-fashion-mnist-compact",
            Method = "FineTuning", Epochs = 3, BatchSize = 64, LearningRate = 0.01, UA = oOut.UA, RA = oOut.RA, TUA = oOut.TUA, TRA = oOut.TRA, RT = 12.34, PS = oOut.PS,
            CreatedUtc = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc), Status = ExperimentStatus.Ready,
        };
        var ms = new MemoryStream();
        var features = Enumerable.Range(0, 200).Select(i => oOut.Features[(i * oOut.FeatureDim)..((i + 1) * oOut.FeatureDim)]).ToArray();
        OriginalFormat.Export(ms, e, oOut.Results, features);
        var json = JsonDocument.Parse(ms.ToArray()).RootElement;

        // Keys in the original's order, "N/A"-free numbers for an unlearned model, ID shortened, Base shortened.
        var keys = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "RTE", "FQS",
                      "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "cka", "cka_retrain", "points", "attack"], keys.Take(25));
        Assert.Equal("2026-05-06 07:08:09", json.GetProperty("CreatedAt").GetString());
        Assert.Equal("0002", json.GetProperty("Base").GetString());
        Assert.Equal(12.3, json.GetProperty("RTE").GetDouble());
        Assert.Equal(Math.Round(oOut.UA, 3), json.GetProperty("UA").GetDouble());
        Assert.Equal(10, json.GetProperty("label_dist").GetProperty("gt_9").GetArrayLength());
        var p0 = json.GetProperty("points")[0];
        Assert.Equal(7, p0.GetArrayLength());
        Assert.Equal(Math.Round(oOut.Results.Points[0].X, 2), p0[4].GetDouble());
        Assert.All(p0[6].EnumerateObject(), kv => Assert.True(kv.Value.GetDouble() >= 0.001));
        Assert.Equal(51, json.GetProperty("attack").GetProperty("results").GetProperty("entropy_above_unlearn").GetArrayLength());
        Assert.Equal(200, json.GetProperty("features").GetArrayLength());

        var imported = OriginalFormat.Import(new MemoryStream(ms.ToArray()), "cifar10", "resnet18", 10);
        var ie = imported.Experiment;
        Assert.Equal(("fashion-mnist", "compact", 2, ExperimentType.Unlearned, "FineTuning"), (ie.Dataset, ie.Architecture, ie.ForgetClass, ie.Type, ie.Method));
        Assert.Equal(Math.Round(oOut.RA, 3), ie.RA);
        Assert.Equal(Math.Round(oOut.PS!.Value, 3), ie.PS);
        Assert.Equal(oOut.Results.Accs.Select(a => Math.Round(a, 3)), imported.Results.Accs);
        Assert.Equal(oOut.Results.Cka!.Layers, imported.Results.Cka!.Layers);
        Assert.Equal(200, imported.Results.Points.Count);
        Assert.Equal(oOut.Results.Points[5].Pred, imported.Results.Points[5].Pred);
        Assert.Equal(20, imported.Results.Attack!.Values.Count);

        // Wrong shapes get clear errors.
        var broken = ms.ToArray().AsSpan().ToArray();
        var text = System.Text.Encoding.UTF8.GetString(broken).Replace("\"gt_9\"", "\"gt_x\"");
        var ex = Assert.Throws<InvalidDataException>(() => OriginalFormat.Import(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "cifar10", "resnet18", 10));
        Assert.Contains("gt_9", ex.Message);
    }
}
