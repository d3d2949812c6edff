using Unlearning.Core.Data;

namespace Unlearning.Tests.Core.Data;

public class ForgetSetsTests
{
    // Ten samples in three classes of sizes 5, 3 and 2 (class 0 at 0,3,5,7,9; class 1 at 1,4,8; class 2 at 2,6).
    private static readonly int[] SmallLabels = [0, 1, 2, 0, 1, 0, 2, 0, 1, 0];

    // 1000 samples, ten classes of 100 (label = index mod 10).
    private static readonly int[] TenClasses = [.. Enumerable.Range(0, 1000).Select(i => i % 10)];

    private static readonly string[] FashionNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static ArgumentException Invalid(ForgetSetRequest r, int[]? labels = null, int numClasses = 3) =>
        Assert.Throws<ArgumentException>(() => ForgetSets.Draw(r, labels ?? SmallLabels, numClasses));

    [Fact]
    public void Class_ids_are_written_and_read_strictly()
    {
        Assert.Equal("class-3", ForgetSets.ClassId(3));
        Assert.Equal("class-0", ForgetSets.ClassId(0));
        Assert.True(ForgetSets.TryParseClassId("class-3", out var c));
        Assert.Equal(3, c);
        Assert.True(ForgetSets.TryParseClassId("class-0", out c));
        Assert.Equal(0, c);
        Assert.True(ForgetSets.TryParseClassId("class-12", out c));
        Assert.Equal(12, c);
        foreach (var bad in new[] { null, "", "class-", "class-03", "class--1", "class-+1", "class- 3", "class-3 ", "Class-3", "class-3a", "s1a2b3c4d5e", "class-99999999999" })
            Assert.False(ForgetSets.TryParseClassId(bad, out _), bad);
    }

    [Fact]
    public void A_class_set_is_every_train_sample_of_the_class()
    {
        Assert.Equal([0, 3, 5, 7, 9], ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 0 }, SmallLabels, 3));
        Assert.Equal([2, 6], ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 2 }, SmallLabels, 3));
    }

    [Fact]
    public void The_generator_is_SplitMix64()
    {
        // Reference vector of SplitMix64 (Vigna's splitmix64.c) for seed 0: the first output is 0xE220A8397B1DCDAF.
        Assert.Equal(0xE220A8397B1DCDAFUL, new ForgetSets.SplitMix64(0).Next());
    }

    // The expected sets below come from the Python reference in docs/forget-sets.md, "Reference implementation",
    // run with Python 3 (arbitrary-precision integers, so no shared code with the C#):
    //   shuffle(list(range(20)), seed) → sorted(first 5); stratified: SmallLabels, n = 4, seed 7; sub-class 0, n = 3, seed 5.
    [Theory]
    [InlineData(1, new[] { 1, 3, 10, 14, 19 })]
    [InlineData(2, new[] { 2, 6, 11, 13, 19 })]
    [InlineData(42, new[] { 3, 8, 11, 16, 17 })]
    public void Unstratified_draws_match_the_reference_implementation(long seed, int[] expected)
    {
        var labels = new int[20];
        var r = new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 5, Seed = seed, Stratified = false };
        Assert.Equal(expected, ForgetSets.Draw(r, labels, 1));
    }

    [Fact]
    public void Stratified_and_sub_class_draws_match_the_reference_implementation()
    {
        Assert.Equal([1, 3, 6, 9], ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 4, Seed = 7 }, SmallLabels, 3));
        Assert.Equal([3, 5, 9], ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 0, Count = 3, Seed = 5 }, SmallLabels, 3));
    }

    [Theory]
    [InlineData(ForgetSetKind.Random, true)]
    [InlineData(ForgetSetKind.Random, false)]
    [InlineData(ForgetSetKind.SubClass, true)]
    public void Draws_are_deterministic_per_seed_and_differ_between_seeds(ForgetSetKind kind, bool stratified)
    {
        ForgetSetRequest Request(long seed) => new() { Kind = kind, Class = kind == ForgetSetKind.SubClass ? 4 : null, Count = 30, Seed = seed, Stratified = stratified };
        var a = ForgetSets.Draw(Request(1), TenClasses, 10);
        var again = ForgetSets.Draw(Request(1), TenClasses, 10);
        var other = ForgetSets.Draw(Request(2), TenClasses, 10);
        Assert.Equal(a, again);
        Assert.NotEqual(a, other);
        Assert.Equal(30, a.Length);
        Assert.Equal(a.Order().Distinct().ToArray(), a); // ascending and distinct
    }

    [Fact]
    public void Stratified_counts_follow_the_largest_remainder_method()
    {
        // Sizes 5, 3, 2 (N = 10), n = 4: quotas 4·5/10 = 2.0, 4·3/10 = 1.2, 4·2/10 = 0.8 → floors 2, 1, 0 (sum 3);
        // the one seat left goes to the largest remainder, 0.8 (class 2) → 2, 1, 1.
        Assert.Equal([2, 1, 1], ForgetSets.StratifiedCounts([5, 3, 2], 4));
        // Sizes 3, 3, 3, n = 4: quotas 1.33 each → floors 1, 1, 1; equal remainders, the seat goes to the lowest class → 2, 1, 1.
        Assert.Equal([2, 1, 1], ForgetSets.StratifiedCounts([3, 3, 3], 4));
        // Sizes 5, 3, 2, n = 7: quotas 3.5, 2.1, 1.4 → floors 3, 2, 1 (sum 6); largest remainder 0.5 (class 0) → 4, 2, 1.
        Assert.Equal([4, 2, 1], ForgetSets.StratifiedCounts([5, 3, 2], 7));
        // An empty class gets nothing: sizes 4, 0, 4, n = 3: quotas 1.5, 0, 1.5 → floors 1, 0, 1; tie → class 0 → 2, 0, 1.
        Assert.Equal([2, 0, 1], ForgetSets.StratifiedCounts([4, 0, 4], 3));
        // 60 000 samples in ten classes of 6 000, 10 % → 600 → 60 per class.
        Assert.Equal(Enumerable.Repeat(60, 10).ToArray(), ForgetSets.StratifiedCounts([.. Enumerable.Repeat(6000, 10)], 600));
    }

    [Fact]
    public void A_stratified_draw_takes_the_allocated_count_from_each_class()
    {
        for (long seed = 0; seed < 20; seed++)
        {
            var drawn = ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 4, Seed = seed }, SmallLabels, 3);
            Assert.Equal([2, 1, 1], Enumerable.Range(0, 3).Select(c => drawn.Count(i => SmallLabels[i] == c)).ToArray());
        }
    }

    [Fact]
    public void Unstratified_draws_are_not_forced_to_be_proportional()
    {
        var perClass = Enumerable.Range(0, 50)
            .Select(seed => ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 4, Seed = seed, Stratified = false }, SmallLabels, 3))
            .Select(d => string.Join(",", Enumerable.Range(0, 3).Select(c => d.Count(i => SmallLabels[i] == c))))
            .ToHashSet();
        Assert.Contains(perClass, p => p != "2,1,1");
        Assert.True(perClass.Count > 2, string.Join(" ", perClass));
    }

    [Fact]
    public void A_sub_class_draw_stays_in_its_class_and_leaves_some_of_it()
    {
        for (long seed = 0; seed < 10; seed++)
        {
            var drawn = ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 7, Count = 99, Seed = seed }, TenClasses, 10);
            Assert.Equal(99, drawn.Length);
            Assert.All(drawn, i => Assert.Equal(7, TenClasses[i]));
        }
    }

    [Theory]
    // Random over N = 10: 25 % → 2.5 → 3 (half away from zero); 24 % → 2.4 → 2; 35 % → 3.5 → 4; 5 % → 0.5 → 1.
    [InlineData(ForgetSetKind.Random, 25.0, 3)]
    [InlineData(ForgetSetKind.Random, 24.0, 2)]
    [InlineData(ForgetSetKind.Random, 35.0, 4)]
    [InlineData(ForgetSetKind.Random, 5.0, 1)]
    // Sub-class of class 0 (5 samples): 50 % → 2.5 → 3; 30 % → 1.5 → 2; 10 % → 0.5 → 1.
    [InlineData(ForgetSetKind.SubClass, 50.0, 3)]
    [InlineData(ForgetSetKind.SubClass, 30.0, 2)]
    [InlineData(ForgetSetKind.SubClass, 10.0, 1)]
    public void Percentages_round_half_away_from_zero(ForgetSetKind kind, double percent, int expected)
    {
        var r = new ForgetSetRequest { Kind = kind, Class = kind == ForgetSetKind.SubClass ? 0 : null, Percent = percent, Stratified = false };
        Assert.Equal(expected, ForgetSets.Draw(r, SmallLabels, 3).Length);
    }

    [Theory]
    [InlineData(double.NaN, "not a number")]
    [InlineData(-5.0, "greater than 0 and less than 100")]
    [InlineData(0.0, "greater than 0 and less than 100")]
    [InlineData(100.0, "greater than 0 and less than 100")]
    [InlineData(150.0, "greater than 0 and less than 100")]
    [InlineData(double.PositiveInfinity, "greater than 0 and less than 100")]
    [InlineData(1.0, "rounds to 0 samples")]   // 1 % of 10 = 0.1 → 0
    [InlineData(96.0, "rounds to all of them")] // 96 % of 10 = 9.6 → 10
    public void Bad_percentages_are_refused(double percent, string message)
    {
        var e = Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = percent });
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("Parameter", e.Message);
    }

    [Theory]
    [InlineData(0, "at least 1")]
    [InlineData(-3, "at least 1")]
    [InlineData(10, "less than the 10 train samples")]
    [InlineData(11, "less than the 10 train samples")]
    public void Bad_random_counts_are_refused(int count, string message) =>
        Assert.Contains(message, Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = count }).Message);

    [Fact]
    public void Other_bad_requests_are_refused_with_a_message_for_the_user()
    {
        Assert.Contains("not both", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 2, Percent = 10 }).Message);
        Assert.Contains("Give a count or a percentage", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Random }).Message);
        Assert.Contains("Seed must be ≥ 0", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 2, Seed = -1 }).Message);
        Assert.Contains("Seed must be ≥ 0", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 0, Count = 2, Seed = -1 }).Message);
        Assert.Contains("Class 3 is out of range: the dataset has classes 0..2", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 3 }).Message);
        Assert.Contains("Class -1 is out of range", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = -1, Count = 1 }).Message);
        Assert.Contains("needs a class", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Count = 1 }).Message);
        Assert.Contains("needs a class", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Class }).Message);
        // Class 0 has 5 samples: drawing all 5 would leave none of the class in the retain set.
        Assert.Contains("less than the 5 samples of class 0", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 0, Count = 5 }).Message);
        Assert.Contains("not both", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 0, Count = 2, Percent = 10 }).Message);
        Assert.Contains("has no train samples", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 3 }, numClasses: 4).Message);
        Assert.Contains("The index list is empty", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = [] }).Message);
        Assert.Contains("index 12 at position 2 is out of range 0..9", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = [1, 12] }).Message);
        Assert.Contains("covers all 10 train samples", Invalid(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = [.. Enumerable.Range(0, 10)] }).Message);
    }

    [Fact]
    public void An_index_list_request_comes_back_sorted()
    {
        Assert.Equal([1, 4, 8], ForgetSets.Draw(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = [8, 1, 4] }, SmallLabels, 3));
    }

    [Fact]
    public void Index_lists_are_read_from_csv_with_or_without_a_header()
    {
        Assert.Equal([1, 3, 5], ForgetSets.ParseIndexList("index\n5\n1\n3\n", 10));
        Assert.Equal([1, 3, 5], ForgetSets.ParseIndexList("idx\r\n5\r\n1\r\n3", 10));
        Assert.Equal([1, 3, 5], ForgetSets.ParseIndexList("\"train_index\"\n5,1,3", 10));
        Assert.Equal([1, 3, 5], ForgetSets.ParseIndexList("5,1,3", 10));
        Assert.Equal([0, 2, 4, 6, 8, 9], ForgetSets.ParseIndexList("  9;\t8 , 6\n\n4,2;0  \n", 10));
        Assert.Equal([0, 7], ForgetSets.ParseIndexList("\uFEFF7,0,", 10));
    }

    [Fact]
    public void Index_lists_are_read_from_json_arrays_and_objects()
    {
        Assert.Equal([2, 4, 9], ForgetSets.ParseIndexList("[9, 2, 4]", 10));
        Assert.Equal([2, 4, 9], ForgetSets.ParseIndexList("{\"indexes\": [9, 2, 4]}", 10));
        Assert.Equal([2, 4, 9], ForgetSets.ParseIndexList("{ \"dataset\": \"mnist\", \"indices\": [\n 9,\n 2,\n 4\n] }", 10));
        Assert.Contains("no \"indexes\"", Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList("{\"ids\": [1]}", 10)).Message);
        Assert.Contains("cannot be read", Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList("[1, 2", 10)).Message);
        Assert.Contains("must be an array", Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList("{\"indexes\": 3}", 10)).Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  \n ", "empty")]
    [InlineData("index\n", "empty")]
    [InlineData("[]", "empty")]
    [InlineData("{\"indexes\": []}", "empty")]
    [InlineData("1,2.5,3", "'2.5' at position 2 is not an integer index")]
    [InlineData("[1, 2.5]", "'2.5' at position 2 is not an integer index")]
    [InlineData("[1, 2.0]", "'2.0' at position 2 is not an integer index")]
    [InlineData("[1, \"2\"]", "'2' at position 2 is not an integer index")]
    [InlineData("1\nNaN\n3", "'NaN' at position 2 is not an integer index")]
    [InlineData("NaN\n3", "'NaN' at position 1 is not an integer index")]
    [InlineData("index\n1\nabc", "'abc' at position 2 is not an integer index")]
    [InlineData("1 1e3", "'1e3' at position 2 is not an integer index")]
    [InlineData("0,1,2,3,59999,60000", "index 60000 at position 6 is out of range 0..59999")]
    [InlineData("1,-1", "index -1 at position 2 is out of range 0..59999")]
    [InlineData("[3, 99999999999999999999]", "index 99999999999999999999 at position 2 is out of range 0..59999")]
    [InlineData("5 6 17 8 9 10 11 12 17 17", "index 17 appears twice (positions 3 and 9)")]
    [InlineData("[5, 6, 17, 8, 9, 10, 11, 12, 17]", "index 17 appears twice (positions 3 and 9)")]
    public void Bad_index_lists_are_refused_naming_the_value_and_its_position(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList(text, 60_000));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_index_list_may_not_cover_the_whole_train_set_or_be_too_long()
    {
        Assert.Contains("covers all 3 train samples", Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList("2,0,1", 3)).Message);
        Assert.Equal([0, 2], ForgetSets.ParseIndexList("2,0", 3));

        var justFits = "1" + new string(' ', ForgetSets.MaxIndexListBytes - 1);
        Assert.Equal([1], ForgetSets.ParseIndexList(justFits, 3));
        var tooLong = justFits + " ";
        Assert.Contains("larger than 1 MB", Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList(tooLong, 3)).Message);
        // Counted in UTF-8 bytes: 'é' is two.
        var tooManyBytes = "1" + new string(' ', ForgetSets.MaxIndexListBytes - 3) + "é";
        Assert.Throws<ArgumentException>(() => ForgetSets.ParseIndexList(tooManyBytes, 3));
    }

    [Fact]
    public void Ids_are_a_hash_of_the_dataset_kind_and_indexes()
    {
        // printf 'fashion-mnist:Random:1,5,9' | sha256sum   → b09b970b2904b95f…
        Assert.Equal("sb09b970b29", ForgetSets.IdFor("fashion-mnist", ForgetSetKind.Random, [1, 5, 9]));
        // printf 'fashion-mnist:Random:1,5,10' | sha256sum  → 60e0468f929ca57b…
        Assert.Equal("s60e0468f92", ForgetSets.IdFor("fashion-mnist", ForgetSetKind.Random, [1, 5, 10]));
        // printf 'mnist:IndexList:0,2' | sha256sum           → 8878b30f9e6ddf62…
        Assert.Equal("s8878b30f9e", ForgetSets.IdFor("mnist", ForgetSetKind.IndexList, [0, 2]));
        Assert.NotEqual(ForgetSets.IdFor("mnist", ForgetSetKind.Random, [0, 2]), ForgetSets.IdFor("mnist", ForgetSetKind.SubClass, [0, 2]));
        Assert.NotEqual(ForgetSets.IdFor("mnist", ForgetSetKind.Random, [0, 2]), ForgetSets.IdFor("cifar10", ForgetSetKind.Random, [0, 2]));

        Assert.Equal("class-6", ForgetSets.IdFor("fashion-mnist", new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 6 }, [1, 2]));
        Assert.Equal("sb09b970b29", ForgetSets.IdFor("fashion-mnist", new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 3 }, [1, 5, 9]));
        Assert.Throws<ArgumentException>(() => ForgetSets.IdFor("mnist", ForgetSetKind.Class, [0, 2]));
        Assert.Throws<ArgumentException>(() => ForgetSets.IdFor("mnist", ForgetSetKind.Random, [2, 0]));
        Assert.Throws<ArgumentException>(() => ForgetSets.IdFor("mnist", ForgetSetKind.Random, [2, 2]));
    }

    [Fact]
    public void Names_say_what_was_drawn()
    {
        Assert.Equal("Shirt", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.Class, Class = 6 }, 6000, FashionNames));
        Assert.Equal("random 10 % · seed 1", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 10 }, 6000, FashionNames));
        Assert.Equal("random 2.5 % · seed 7", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 2.5, Seed = 7 }, 1500, FashionNames));
        Assert.Equal("random 600 · seed 1 · unstratified",
            ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.Random, Count = 600, Stratified = false }, 600, FashionNames));
        Assert.Equal("200 of Shirt · seed 1", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 6, Count = 200 }, 200, FashionNames));
        Assert.Equal("10 % of Bag · seed 3", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.SubClass, Class = 8, Percent = 10, Seed = 3 }, 600, FashionNames));
        Assert.Equal("list 'my list' (123)", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Label = "  my list " }, 123, FashionNames));
        Assert.Equal("uploaded list (123)", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.IndexList }, 123, FashionNames));
        Assert.Equal("uploaded list (5)", ForgetSets.Name(new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Label = "<>'\"" }, 5, FashionNames));
    }

    [Fact]
    public void Labels_keep_only_safe_characters_and_at_most_60_of_them()
    {
        Assert.Equal("hard cases (v2)_a-b.c", ForgetSets.CleanLabel("  hard cases (v2)_a-b.c  "));
        Assert.Equal("scriptalert(1)script", ForgetSets.CleanLabel("<script>alert(1)</script>"));
        Assert.Equal("OBriens list", ForgetSets.CleanLabel("O'Brien's list"));
        Assert.Equal("Größe 1", ForgetSets.CleanLabel("Größe 1"));
        Assert.Null(ForgetSets.CleanLabel("   "));
        Assert.Null(ForgetSets.CleanLabel("<>;"));
        Assert.Null(ForgetSets.CleanLabel(null));
        Assert.Equal(new string('a', 60), ForgetSets.CleanLabel(new string('a', 80)));
    }
}
