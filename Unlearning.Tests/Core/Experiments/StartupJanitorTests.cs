using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>What a kill -9 leaves behind is removed at the next start; what live jobs and rows need is kept.</summary>
[Collection("Torch")]
public class StartupJanitorTests
{
    [Fact]
    public void Orphans_are_removed_and_everything_in_use_is_kept()
    {
        var (sp, store, _) = TestStore.New();
        using (sp)
        {
            var a = store.Artifacts;
            Directory.CreateDirectory(a.UploadsFolder);
            string Upload(string name) { var f = Path.Combine(a.UploadsFolder, name); File.WriteAllBytes(f, [1, 2, 3]); return f; }
            var orphan = Upload("0123456789abcdef0123456789abcdef.pth");
            var queued = Upload("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.pth");
            var ofFailedJob = Upload("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.pth");
            var ofInterruptedJob = Upload("cccccccccccccccccccccccccccccccc.pth");   // its job was Running when the process died
            store.AddJob(new Job { Kind = JobKind.Upload, Dataset = "fashion-mnist", Architecture = "compact", Status = JobStatus.Running, UploadPath = "uploads/cccccccccccccccccccccccccccccccc.pth", CreatedUtc = DateTime.UtcNow });
            store.AddJob(new Job { Kind = JobKind.Upload, Dataset = "fashion-mnist", Architecture = "compact", Status = JobStatus.Queued, UploadPath = "uploads/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.pth", CreatedUtc = DateTime.UtcNow });
            store.AddJob(new Job { Kind = JobKind.Upload, Dataset = "fashion-mnist", Architecture = "compact", Status = JobStatus.Failed, UploadPath = "uploads/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.pth", CreatedUtc = DateTime.UtcNow });
            store.AddJob(new Job { Kind = JobKind.Unlearn, Dataset = "fashion-mnist", Architecture = "compact", Status = JobStatus.Queued, ReservedExperimentId = "resv", CreatedUtc = DateTime.UtcNow });

            var emptyOrphan = Directory.CreateDirectory(a.FolderOf("dead")).FullName;
            var reservedEmpty = Directory.CreateDirectory(a.FolderOf("resv")).FullName;
            var withFiles = Directory.CreateDirectory(a.FolderOf("full")).FullName;
            File.WriteAllText(Path.Combine(withFiles, "results.json"), "{}");
            store.Add(new Experiment { Id = "rowed", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 1, Type = ExperimentType.Unlearned, Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UtcNow });
            var rowedEmpty = Directory.CreateDirectory(a.FolderOf("rowed")).FullName;
            // An interrupted atomic write leaves only its temporary file: both go.
            var halfWritten = Directory.CreateDirectory(a.FolderOf("half")).FullName;
            var tmp = Path.Combine(halfWritten, "results.json.tmp-1a2b3c4d");
            File.WriteAllText(tmp, "{");
            var tmpFolder = Directory.CreateDirectory(Path.Combine(a.AppFolder, "tmp")).FullName;
            File.WriteAllBytes(Path.Combine(tmpFolder, "ASPNETCORE_0123.tmp"), new byte[1024]);

            var report = new StartupJanitor(store).Clean();

            Assert.Equal([orphan, ofFailedJob, ofInterruptedJob], report.Uploads.Order());
            Assert.False(File.Exists(ofInterruptedJob));
            Assert.False(File.Exists(orphan));
            Assert.False(File.Exists(ofFailedJob));
            Assert.True(File.Exists(queued));
            Assert.Equal(2, report.TemporaryFiles.Count);
            Assert.False(File.Exists(tmp));
            Assert.Empty(Directory.GetFiles(tmpFolder));
            Assert.Equal([emptyOrphan, halfWritten], report.EmptyFolders.Order());
            Assert.False(Directory.Exists(emptyOrphan));
            Assert.False(Directory.Exists(halfWritten));
            Assert.True(Directory.Exists(reservedEmpty));
            Assert.True(Directory.Exists(withFiles));
            Assert.True(Directory.Exists(rowedEmpty));

            // A second start finds nothing to do.
            Assert.Equal(0, new StartupJanitor(store).Clean().Total);
        }
    }

    [Fact]
    public void A_fresh_app_folder_is_left_alone()
    {
        var (sp, store, _) = TestStore.New();
        using (sp) Assert.Equal(0, new StartupJanitor(store).Clean().Total);
    }
}
