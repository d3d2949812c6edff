using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>Tags/notes on a row (docs/views.md, "Screening table"): stored in their own column, trimmed, bounded.</summary>
public class RowNotesTests
{
    [Fact]
    public void Notes_are_stored_trimmed_cleared_and_bounded_without_touching_the_metrics()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var row = TableFixtures.Row("b001", ExperimentType.Unlearned, ua: 0.05, ra: 0.9);
            store.Add(row);
            // A stale copy of the row (as the table holds it) must not overwrite metrics stored meanwhile.
            var fresh = store.Get("b001")!;
            fresh.UA = 0.07;
            store.Update(fresh);

            store.SetNotes("b001", "  best so far, lr sweep ");
            var read = store.Get("b001")!;
            Assert.Equal("best so far, lr sweep", read.Notes);
            Assert.Equal(0.07, read.UA);

            store.SetNotes("b001", "   ");
            Assert.Null(store.Get("b001")!.Notes);

            var tooLong = new string('x', ExperimentStore.MaxNotesLength + 1);
            var ex = Assert.Throws<ArgumentException>(() => store.SetNotes("b001", tooLong));
            Assert.Contains("2000", ex.Message);
            Assert.Throws<KeyNotFoundException>(() => store.SetNotes("nope", "x"));
        }
    }
}
