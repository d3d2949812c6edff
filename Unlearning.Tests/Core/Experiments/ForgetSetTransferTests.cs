using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// Our <c>ForgetSet</c> and <c>Gap</c> keys (docs/results-format.md, "Forget set and gap"): an export carries a sample
/// set with its indexes, an import on another server recreates it under the same id, and a set whose id does not
/// match its indexes, or whose indexes are not the dataset's, is refused with nothing stored.
/// </summary>
[Collection("Torch")]
public class ForgetSetTransferTests
{
    private static Stream Body(JsonNode doc) => ImportFixtures.Body(doc);

    /// <summary>An unlearned result of a random 5 % set of the tiny dataset, as a file of the original format plus our ForgetSet key.</summary>
    private static JsonObject FileOf(ForgetSetInfo set, int[] indexes)
    {
        var file = OriginalFormatFiles.Generate("Unlearned");
        file["FC"] = "N/A";
        file["TUA"] = "N/A";
        file["Dataset"] = "fashion-mnist";
        file["Architecture"] = "compact";
        file["ForgetSet"] = new JsonObject
        {
            ["id"] = set.Id, ["kind"] = "Random", ["name"] = set.Name, ["size"] = set.Size, ["percent"] = 5, ["seed"] = 1, ["stratified"] = true,
            ["indexes"] = new JsonArray([.. indexes.Select(i => (JsonNode)i)]),
        };
        return file;
    }

    [Fact]
    public void A_sample_set_travels_with_its_results_and_is_recreated_elsewhere()
    {
        var data = TinyFashionMnist.Create();
        var (spA, storeA, _) = TestStore.New(data);
        var (spB, storeB, _) = TestStore.New(data);
        using (spA)
        using (spB)
        {
            var info = DatasetCatalog.FashionMnist;
            var set = spA.GetRequiredService<ForgetSetService>().Create(info, new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 5, Seed = 1 });
            var indexes = storeA.Scenario(info, set.Id).Indexes!;
            var imported = spA.GetRequiredService<ExperimentTransfer>().Import(Body(FileOf(set, indexes)), "fashion-mnist", "compact");
            Assert.Equal(set.Id, imported.ForgetSetId);
            Assert.Equal(-1, imported.ForgetClass);

            var exported = new MemoryStream();
            spA.GetRequiredService<ExperimentTransfer>().Export(imported.Id, exported, withFeatures: false);
            var json = JsonNode.Parse(exported.ToArray())!.AsObject();
            Assert.Equal(set.Id, json["ForgetSet"]!["id"]!.GetValue<string>());
            Assert.Equal(indexes, json["ForgetSet"]!["indexes"]!.AsArray().Select(x => x!.GetValue<int>()));
            Assert.Equal("N/A", json["Gap"]!.GetValue<string>());   // no Retrained model of the set on this store
            Assert.NotEqual("N/A", json["UA"]!.ToJsonString().Trim('"'));

            // Store B has never seen the set: the import makes it, with the same id and name.
            var again = spB.GetRequiredService<ExperimentTransfer>().Import(new MemoryStream(exported.ToArray()), "fashion-mnist", "compact");
            Assert.Equal(set.Id, again.ForgetSetId);
            var recreated = storeB.GetForgetSet("fashion-mnist", set.Id)!;
            Assert.Equal(set.Name, recreated.Name);
            Assert.Equal(indexes, ExperimentStore.ParseIndexes(recreated.Indexes));
            Assert.Equal(imported.UA, again.UA);
        }
    }

    [Fact]
    public void A_set_that_does_not_match_its_indexes_or_the_dataset_is_refused_and_nothing_is_stored()
    {
        var data = TinyFashionMnist.Create();
        var (spA, storeA, _) = TestStore.New(data);
        var (spB, storeB, _) = TestStore.New(data);
        using (spA)
        using (spB)
        {
            var info = DatasetCatalog.FashionMnist;
            var set = spA.GetRequiredService<ForgetSetService>().Create(info, new ForgetSetRequest { Kind = ForgetSetKind.Random, Percent = 5, Seed = 1 });
            var indexes = storeA.Scenario(info, set.Id).Indexes!;
            var transfer = spB.GetRequiredService<ExperimentTransfer>();
            int[] other = [.. indexes];
            other[0] = Enumerable.Range(0, 2000).First(i => !indexes.Contains(i));
            foreach (var (bad, message) in new (int[] Indexes, string Message)[]
                     {
                         (other, "does not match"),
                         ([.. indexes[..^1], 2000], "out of range"),
                         ([.. indexes[..^1], indexes[0]], "twice"),
                     })
            {
                var e = Assert.Throws<InvalidDataException>(() => transfer.Import(Body(FileOf(set, bad)), "fashion-mnist", "compact"));
                Assert.Contains(message, e.Message);
            }
            var wrongClass = FileOf(set, indexes);
            wrongClass["ForgetSet"]!["kind"] = "Class";
            Assert.Throws<InvalidDataException>(() => transfer.Import(Body(wrongClass), "fashion-mnist", "compact"));
            Assert.Empty(storeB.ListForgetSets("fashion-mnist"));
            Assert.DoesNotContain(storeB.List(), x => x.Type == ExperimentType.Unlearned);
        }
    }
}
