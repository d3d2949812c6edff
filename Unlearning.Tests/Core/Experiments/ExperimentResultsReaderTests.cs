using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>Core's read service for stored results, on a temporary store with tiny hand-made documents.</summary>
public class ExperimentResultsReaderTests
{
    private static Experiment Row(string id, ExperimentType type, int forgetClass = 2) => new()
    {
        Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = forgetClass, Type = type,
        CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Status = ExperimentStatus.Ready,
    };

    private static ExperimentResults Document(double forgetAccuracy, bool withCurves = true) => new()
    {
        Accs = [0.9, 0.8, forgetAccuracy],
        Attack = new AttackData
        {
            Values = [new(7, 2.0, 5.0)],
            Results = withCurves ? AttackData.ToStored(PrivacyScore.SubsetCurves([new(7, 2.0, 5.0)], [new(7, 0.0, 5.0)])) : [],
        },
    };

    /// <summary>Adds the row with its results document written where the job pipeline writes it.</summary>
    private static void AddEvaluated(ExperimentStore store, Experiment e, ExperimentResults results)
    {
        e.ResultsPath = store.Artifacts.Relative(ResultsDocument.Save(store.Artifacts, e.Id, results));
        store.Add(e);
    }

    [Theory]
    [InlineData("0003-fashion-mnist-compact", ExperimentType.Original)]
    [InlineData("a003-fashion-mnist-compact", ExperimentType.Retrained)]
    [InlineData("3f9c", ExperimentType.Unlearned)]
    [InlineData("", ExperimentType.Unlearned)]
    public void The_id_scheme_tells_the_type_of_an_id(string id, ExperimentType expected) =>
        Assert.Equal(expected, ExperimentIds.TypeOf(id));

    [Fact]
    public void The_baseline_ids_read_back_as_their_types()
    {
        Assert.Equal(ExperimentType.Original, ExperimentIds.TypeOf(ExperimentIds.Original("cifar-10", "resnet18", 4)));
        Assert.Equal(ExperimentType.Retrained, ExperimentIds.TypeOf(ExperimentIds.Retrained("cifar-10", "resnet18", 4)));
        Assert.Equal(ExperimentType.Unlearned, ExperimentIds.TypeOf(ExperimentIds.NewRandom(_ => false, new Random(1))));
    }

    [Fact]
    public void Given_results_are_described_by_the_id_scheme()
    {
        var m = ExperimentResultsReader.Describe("a001-fashion-mnist-compact", Document(0.1), 1);
        Assert.Equal((ExperimentType.Retrained, 1, "a001", "(Retrained, a001)"), (m.Type, m.ForgetClass, m.ShortId, m.Label));
        Assert.Equal("—", ExperimentResultsReader.Describe(null, Document(0.1), 1).Id);
        var r = ExperimentResultsReader.DescribeRetrained("fashion-mnist", "compact", 5, Document(0.1));
        Assert.Equal(("a005-fashion-mnist-compact", ExperimentType.Retrained), (r.Id, r.Type));
    }

    [Fact]
    public void A_stored_experiment_comes_back_typed_with_its_row_type_forget_class_and_curves()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var reader = new ExperimentResultsReader(store);
            // An upload's id looks like an unlearned model's; the row's type wins over the id scheme.
            AddEvaluated(store, Row("3f9c", ExperimentType.Uploaded, forgetClass: 2), Document(0.25));
            var m = reader.Get("3f9c")!;
            Assert.Equal((ExperimentType.Uploaded, 2, "(Uploaded, 3f9c)", false), (m.Type, m.ForgetClass, m.Label, m.IsOriginal));
            Assert.Equal(0.25, m.Results!.Accs[2]);
            // Entropy 2.0 against 0.0: at τ = 1 (index 20) "above ⇒ unlearned" separates them, attack score 1.
            Assert.Equal(1.0, m.AttackCurves!.EntropyAboveUnlearn[20].AttackScore);
            Assert.Equal(AttackScore.ThresholdCount, m.AttackCurves.Get(AttackMetric.Confidence, AttackDirection.AboveRetrain).Length);

            Assert.Null(reader.Get("beef"));
            store.Add(Row("0002-fashion-mnist-compact", ExperimentType.Original));
            var notEvaluated = reader.Get("0002-fashion-mnist-compact")!;
            Assert.Equal(ExperimentType.Original, notEvaluated.Type);
            Assert.Null(notEvaluated.Results);
            Assert.Null(notEvaluated.AttackCurves);
        }
    }

    [Fact]
    public void A_document_with_a_missing_curve_has_no_typed_curves()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            AddEvaluated(store, Row("1a2b", ExperimentType.Unlearned), Document(0.5, withCurves: false));
            var m = new ExperimentResultsReader(store).Get("1a2b")!;
            Assert.NotNull(m.Results);
            Assert.Null(m.AttackCurves);
        }
    }

    [Fact]
    public void Documents_are_parsed_once_and_re_read_when_their_file_changes_or_disappears()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var reader = new ExperimentResultsReader(store);
            AddEvaluated(store, Row("3f9c", ExperimentType.Unlearned), Document(0.25));
            var first = reader.Get("3f9c")!.Results;
            Assert.Same(first, reader.Get("3f9c")!.Results);
            Assert.Equal(1, reader.CachedCount);

            // Re-evaluation writes the document anew under the same name.
            ResultsDocument.Save(store.Artifacts, "3f9c", Document(0.125));
            var second = reader.Get("3f9c")!.Results!;
            Assert.NotSame(first, second);
            Assert.Equal(0.125, second.Accs[2]);

            // The file is gone (e.g. the artifacts folder was cleared): no results, nothing held.
            File.Delete(store.Artifacts.ResultsPath("3f9c"));
            Assert.Null(reader.Get("3f9c")!.Results);
            Assert.Equal(0, reader.CachedCount);

            // A deleted experiment: unknown id, nothing held.
            ResultsDocument.Save(store.Artifacts, "3f9c", Document(0.5));
            Assert.Equal(0.5, reader.Get("3f9c")!.Results!.Accs[2]);
            store.Delete("3f9c");
            Assert.Null(reader.Get("3f9c"));
            Assert.Equal(0, reader.CachedCount);
        }
    }

    [Fact]
    public void Invalidate_makes_the_next_read_parse_the_file_again()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var reader = new ExperimentResultsReader(store);
            AddEvaluated(store, Row("3f9c", ExperimentType.Unlearned), Document(0.25));
            var first = reader.Get("3f9c")!.Results;
            reader.Invalidate("3f9c");
            Assert.NotSame(first, reader.Get("3f9c")!.Results);
        }
    }

    [Fact]
    public void The_reader_is_registered_by_the_core_setup()
    {
        var (sp, _, _) = TestStore.New();
        using (sp)
            Assert.Same(sp.GetService(typeof(ExperimentResultsReader)), sp.GetService(typeof(ExperimentResultsReader)));
    }
}
