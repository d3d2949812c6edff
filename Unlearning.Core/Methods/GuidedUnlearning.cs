using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// The passes GA+FT, GA+SL+FT and GA+SL+FT V2 share (docs/methods.md, "GA+FT", "GA+SL+FT (guided unlearning)", "GA+SL+FT V2"):
/// a gradient-ascent pass over the forget set, a cross-entropy pass over the retain set, and second-logit relabelling of the
/// forget images. Every pass runs one dispose scope per batch and reports each batch to the <see cref="UnlearningLoop"/>.
/// </summary>
public static class GuidedUnlearning
{
    /// <summary>Images per forward pass of the second-logit relabelling (no gradient).</summary>
    private const int LabelBatch = 500;

    /// <summary>Stream numbers of <see cref="UnlearningContext.CreateRandom"/> the guided methods use.</summary>
    public const int RetainShuffleStream = 1, RetainSubsetStream = 2, ForgetShuffleStream = 3, AugmentStream = 4, SecondLogitShuffleStream = 5;

    /// <summary>
    /// Second-logit labels: for each row of <paramref name="logits"/> (N×C) the class with the second-highest logit — the class
    /// the model would pick if the top one were taken away, a plausible wrong answer to train a forget image towards.
    /// </summary>
    public static Tensor SecondLogitLabels(Tensor logits)
    {
        if (logits.dim() != 2 || logits.shape[1] < 2)
            throw new ArgumentException($"Second-logit labels need N×C logits with C ≥ 2; got shape [{string.Join(", ", logits.shape)}].", nameof(logits));
        using var scope = NewDisposeScope();
        var (_, indices) = logits.topk(2, dim: 1, largest: true, sorted: true);
        return indices.select(1, 1).to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forget images as the second-logit pass trains on them: one fixed draw of the augmentation (when <paramref name="augment"/>
    /// is given; none otherwise) per image, in the order of <see cref="ForgetSplit.Forget"/>, with the base model's second-logit label
    /// for that very image. The base model is <see cref="UnlearningContext.CreateFrozenCopy"/> (before any re-initialisation).
    /// </summary>
    public static (Tensor Images, Tensor Labels) SecondLogitSet(UnlearningContext context, Random? augment, CancellationToken cancellation)
    {
        using var baseModel = context.CreateFrozenCopy();
        var images = new List<Tensor>();
        var labels = new List<Tensor>();
        using var noGrad = no_grad();
        try
        {
            foreach (var batch in TensorData.Plan(context.Split.Forget, LabelBatch, null))
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (x, _) = context.Train.Batch(batch, augment);
                labels.Add(SecondLogitLabels(baseModel.call(x)).MoveToOuterDisposeScope());
                images.Add(x.detach().MoveToOuterDisposeScope());
            }
            using var outer = NewDisposeScope();
            return (cat(images, 0).MoveToOuterDisposeScope(), cat(labels, 0).MoveToOuterDisposeScope());
        }
        finally
        {
            foreach (var t in images.Concat(labels)) t.Dispose();
        }
    }

    /// <summary>Gradient ascent over <paramref name="forget"/>: loss = −CE(true labels), global gradient norm clipped, step.</summary>
    public static void Ascend(UnlearningContext context, optim.Optimizer optimizer, IReadOnlyList<int> forget, int batchSize, Random shuffle,
        Random? augment, double maxGradNorm, UnlearningLoop loop)
    {
        var model = context.Model;
        foreach (var batch in TensorData.Plan(forget, batchSize, shuffle))
        {
            loop.BeforeBatch();
            using var scope = NewDisposeScope();
            var (x, y) = context.Train.Batch(batch, augment);
            optimizer.zero_grad();
            (-nn.functional.cross_entropy(model.call(x), y)).backward();
            UnlearningMethodBase.ClipGradients(model, maxGradNorm);
            optimizer.step();
            loop.AfterBatch();
        }
    }

    /// <summary>Fine-tuning over <paramref name="retain"/>: CE on the true labels, step; the running retain accuracy is tracked.</summary>
    public static void Descend(UnlearningContext context, optim.Optimizer optimizer, IReadOnlyList<int> retain, int batchSize, Random shuffle,
        Random? augment, UnlearningLoop loop)
    {
        var model = context.Model;
        foreach (var batch in TensorData.Plan(retain, batchSize, shuffle))
        {
            loop.BeforeBatch();
            using var scope = NewDisposeScope();
            var (x, y) = context.Train.Batch(batch, augment);
            optimizer.zero_grad();
            var logits = model.call(x);
            nn.functional.cross_entropy(logits, y).backward();
            optimizer.step();
            loop.AfterBatch(logits, y);
        }
    }

    /// <summary>The second-logit pass: CE towards the second-logit labels on the fixed forget images, shuffled, in batches.</summary>
    public static void DescendSecondLogit(UnlearningContext context, optim.Optimizer optimizer, (Tensor Images, Tensor Labels) set, int batchSize,
        Random shuffle, UnlearningLoop loop)
    {
        var model = context.Model;
        foreach (var batch in TensorData.Plan(Positions(set.Labels), batchSize, shuffle))
        {
            loop.BeforeBatch();
            using var scope = NewDisposeScope();
            var idx = tensor(batch, device: set.Images.device);
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(set.Images.index_select(0, idx)), set.Labels.index_select(0, idx)).backward();
            optimizer.step();
            loop.AfterBatch();
        }
    }

    /// <summary>
    /// GA+SL+FT V2's mixed pass: the fixed forget images with their second-logit labels and the retain samples with their true labels,
    /// shuffled together into batches of <paramref name="batchSize"/>; CE, step. The running retain accuracy counts the retain rows only.
    /// </summary>
    public static void DescendMixed(UnlearningContext context, optim.Optimizer optimizer, (Tensor Images, Tensor Labels) set, IReadOnlyList<int> retain,
        int batchSize, Random shuffle, Random? augment, UnlearningLoop loop)
    {
        var model = context.Model;
        // Retain samples by their train index (≥ 0), forget images by −(position + 1) in the fixed set.
        var mixed = retain.Concat(Positions(set.Labels).Select(p => -(p + 1))).ToArray();
        foreach (var batch in TensorData.Plan(mixed, batchSize, shuffle))
        {
            loop.BeforeBatch();
            using var scope = NewDisposeScope();
            long[] retainIds = [.. batch.Where(i => i >= 0)];
            long[] forgetPositions = [.. batch.Where(i => i < 0).Select(i => -i - 1)];
            var xs = new List<Tensor>();
            var ys = new List<Tensor>();
            if (retainIds.Length > 0)
            {
                var (xr, yr) = context.Train.Batch(retainIds, augment);
                xs.Add(xr);
                ys.Add(yr);
            }
            if (forgetPositions.Length > 0)
            {
                var idx = tensor(forgetPositions, device: set.Images.device);
                xs.Add(set.Images.index_select(0, idx));
                ys.Add(set.Labels.index_select(0, idx));
            }
            var y = cat(ys, 0);
            optimizer.zero_grad();
            var logits = model.call(cat(xs, 0));
            nn.functional.cross_entropy(logits, y).backward();
            optimizer.step();
            if (retainIds.Length > 0)
                loop.AfterBatch(logits.narrow(0, 0, retainIds.Length), y.narrow(0, 0, retainIds.Length));
            else
                loop.AfterBatch();
        }
    }

    private static int[] Positions(Tensor labels) => [.. Enumerable.Range(0, (int)labels.shape[0])];
}
