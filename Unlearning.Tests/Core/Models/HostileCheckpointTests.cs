using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Unlearning.Core.Models;

namespace Unlearning.Tests.Core.Models;

/// <summary>
/// Hostile <c>.pth</c> files, written here byte by byte (System.IO.Compression + hand-written pickle opcodes),
/// must be refused by <see cref="Checkpoint.Load"/> with a short message before PyBridge/LibTorch reads them;
/// genuine checkpoints must still load.
/// </summary>
[Collection("Torch")]
public class HostileCheckpointTests
{
    /// <summary>Bound on process growth while refusing a 1 GB zip bomb (GC heap and RSS each).</summary>
    private const long MemoryBoundBytes = 200L << 20;

    [Fact]
    public void A_zip_bomb_whose_data_pkl_inflates_to_1_GB_is_refused_without_memory_growth()
    {
        var path = Path.Combine(TestData.TempFolder(), "bomb.pth");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) s.Write(zeros);
        }
        long size = new FileInfo(path).Length;
        Assert.True(size < 2 << 20, $"the bomb is {size} bytes");
        using var m = new CompactResNet(1, 10);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long gcBefore = GC.GetTotalMemory(true);
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        clock.Stop();
        long gcGrowth = GC.GetTotalMemory(false) - gcBefore;
        using var p = Process.GetCurrentProcess();
        long rssGrowth = p.WorkingSet64 - rssBefore;

        Assert.Contains("bomb.pth", e.Message);
        Assert.Contains("data.pkl is larger than", e.Message);
        Assert.True(gcGrowth < MemoryBoundBytes, $"GC heap grew by {gcGrowth >> 20} MB");
        Assert.True(rssGrowth < MemoryBoundBytes, $"RSS grew by {rssGrowth >> 20} MB");
        Console.WriteLine($"zip bomb {size >> 10} KB → 1 GB refused in {clock.ElapsedMilliseconds} ms; GC +{gcGrowth >> 20} MB, RSS +{rssGrowth >> 20} MB");
    }

    [Fact]
    public void A_storage_entry_bomb_is_refused_at_the_model_derived_entry_cap()
    {
        var path = Path.Combine(TestData.TempFolder(), "storage-bomb.pth");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var w = zip.CreateEntry("archive/data.pkl").Open()) w.Write(Pickles.StateDict(("w", 4, [4], [1])));
            using var s = zip.CreateEntry("archive/data/0", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) s.Write(zeros);
        }
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("inflates to more than", e.Message);
    }

    [Fact]
    public void A_26_byte_pickle_claiming_a_2_GB_string_is_refused()
    {
        // PROTO 2, BINUNICODE with length 0x7FFFFFFF, then a few bytes and STOP: 26 bytes in all.
        byte[] pkl = [0x80, 0x02, (byte)'X', 0xff, 0xff, 0xff, 0x7f, .. "only a few bytes here"u8.ToArray()[..18], (byte)'.'];
        Assert.Equal(26, pkl.Length);
        var path = Pickles.Zip("huge-string.pth", pkl);
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("string of 2,147,483,647 bytes", e.Message);
    }

    [Fact]
    public void A_tensor_larger_than_its_storage_is_refused_with_a_message_free_of_native_frames()
    {
        var path = Pickles.Zip("shape.pth", Pickles.StateDict(("stem_conv.weight", 4, [100], [1])), ("0", 16));
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("addresses element 99 of storage '0', which holds 4", e.Message);
        AssertSafe(e.Message);
    }

    [Fact]
    public void Storages_of_600M_elements_are_refused()
    {
        var path = Pickles.Zip("big.pth", Pickles.StateDict(("stem_conv.weight", 600_000_000, [10], [1])), ("0", 40));
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("600,000,000 elements, more than the whole model has", e.Message);
    }

    [Fact]
    public void A_storage_shorter_than_it_claims_is_refused()
    {
        var path = Pickles.Zip("short.pth", Pickles.StateDict(("w", 100, [10], [1])), ("0", 40));
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("holds 40 bytes but claims 100 elements", e.Message);
    }

    [Fact]
    public void Globals_outside_the_allow_list_are_refused()
    {
        byte[] pkl = [0x80, 0x02, .. "cposix\nsystem\n"u8.ToArray(), (byte)'X', 2, 0, 0, 0, (byte)'i', (byte)'d', 0x85, (byte)'R', (byte)'.'];
        var path = Pickles.Zip("evil.pth", pkl);
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("'posix.system', which is not allowed", e.Message);
    }

    [Fact]
    public void Too_many_entries_and_a_spent_time_budget_are_refused()
    {
        var path = Pickles.Zip("many.pth", Pickles.StateDict(), [.. Enumerable.Range(0, 50).Select(i => ($"x{i}", 1))]);
        var limits = CheckpointLimits.ForModel(1000) with { MaxEntries = 20 };
        var e = Assert.Throws<CheckpointRejectedException>(() => CheckpointValidator.ValidatePyTorch(path, limits));
        Assert.Contains("51 entries (limit 20)", e.Message);
        e = Assert.Throws<CheckpointRejectedException>(() => CheckpointValidator.ValidatePyTorch(path, CheckpointLimits.ForModel(1000, TimeSpan.Zero)));
        Assert.Contains("took longer than", e.Message);
    }

    [Fact]
    public void Genuine_compact_checkpoints_in_both_formats_still_load()
    {
        var dir = TestData.TempFolder();
        TorchSharp.torch.manual_seed(5);
        using var a = new CompactResNet(1, 10);
        foreach (var py in new[] { true, false })
        {
            var path = Path.Combine(dir, py ? "compact.pth" : "compact.pt");
            Checkpoint.Save(a, path, pytorchFormat: py);
            if (py) CheckpointValidator.ValidatePyTorch(path, CheckpointLimits.ForModel(a.ParameterCount() + 1000));
            using var b = new CompactResNet(1, 10);
            Checkpoint.Load(b, path);
            foreach (var (k, t) in a.state_dict()) Assert.True(t.equal(b.state_dict()[k]).all().item<bool>(), k);
        }
        // A state dict pickled by PyBridge's own writer (the format of torch.save) passes as well.
        var pickled = Path.Combine(dir, "pickled.pth");
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(pickled, a.state_dict());
        using var c = new CompactResNet(1, 10);
        Checkpoint.Load(c, pickled);
        Assert.True(a.state_dict()["stem_conv.weight"].equal(c.state_dict()["stem_conv.weight"]).all().item<bool>());
    }

    /// <summary>
    /// A pickle written by CPython's own pickler exactly as torch.save writes a state dict (protocol 2, memoised
    /// globals fetched again with BINGET, SETITEMS, a scalar tensor, and the OrderedDict's _metadata applied by BUILD),
    /// made with stand-in torch classes because the machine has no PyTorch. The validator must accept its shape.
    /// </summary>
    [Fact]
    public void A_torch_save_shaped_pickle_from_cpython_passes_the_validator()
    {
        const string pickle = "gAJjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcQApUnEBKFgIAAAAYS53ZWlnaHRxAmN0b3JjaC5fdXRpbHMKX3JlYnVpbGRfdGVuc29yX3YyCnEDKChYBwAAAHN0b3JhZ2VxBGN0b3JjaApGbG9hdFN0b3JhZ2UKcQVYAQAAADBxBlgDAAAAY3B1cQdLBnRxCFFLAEsCSwOGcQlLA0sBhnEKiWgAKVJxC3RxDFJxDVgGAAAAYS5iaWFzcQ5oAygoaARoBVgBAAAAMXEPaAdLAnRxEFFLAEsChXERSwGFcRKJaAApUnETdHEUUnEVWBYAAABibi5udW1fYmF0Y2hlc190cmFja2VkcRZoAygoaARjdG9yY2gKTG9uZ1N0b3JhZ2UKcRdYAQAAADJxGGgHSwF0cRlRSwApKYloAClScRp0cRtScRx1fXEdWAkAAABfbWV0YWRhdGFxHmgAKVJxH1gAAAAAcSB9cSFYBwAAAHZlcnNpb25xIksBc3NzYi4=";
        var claims = PickleScanner.Scan(Convert.FromBase64String(pickle), CheckpointLimits.ForModel(1000));
        Assert.Equal([("0", "FloatStorage", 6L), ("1", "FloatStorage", 2L), ("2", "LongStorage", 1L)], claims.Select(c => (c.Key, c.Type, c.Elements)).OrderBy(c => c.Key));
        var path = Pickles.Zip("cpython.pth", Convert.FromBase64String(pickle), ("0", 24), ("1", 8), ("2", 8));
        CheckpointValidator.ValidatePyTorch(path, CheckpointLimits.ForModel(1000));
        // The same file claiming a 7-element view of the 6-element storage is refused.
        var bad = Convert.FromBase64String(pickle);
        bad[Array.IndexOf(bad, (byte)'K', 146) + 5] = 4; // size (2, 3) → (2, 4): last element 1·3 + 3·1 = 6 ≥ 6
        var e = Assert.Throws<CheckpointRejectedException>(() => PickleScanner.Scan(bad, CheckpointLimits.ForModel(1000)));
        Assert.Contains("addresses element 6 of storage '0', which holds 6", e.Message);
    }

    [Fact]
    public void A_genuine_resnet18_checkpoint_passes_the_validator()
    {
        var path = Path.Combine(TestData.TempFolder(), "r.pth");
        using var r = new ResNet18(1, 10, width: 8);
        Checkpoint.Save(r, path, pytorchFormat: true);
        CheckpointValidator.ValidatePyTorch(path, CheckpointLimits.ForModel(r.state_dict().Values.Sum(t => t.numel())));
    }

    [Fact]
    public void Loader_messages_lose_native_frames_addresses_and_paths()
    {
        var native = "shape '[100]' is invalid for input of size 4\nException raised from view at /opt/pytorch/aten/src/ATen/native/TensorShape.cpp:123 (most recent call first):\n" +
                     "frame #0: c10::Error::Error(...) + 0x7f12abcd in /usr/lib/libtorch/libc10.so\n";
        var m = Checkpoint.SafeMessage(native);
        Assert.Equal("shape '[100]' is invalid for input of size 4", m);
        AssertSafe(Checkpoint.SafeMessage("Could not open /home/user/data/app/uploads/x.pth at 0x55aa00ff"));
        Assert.Equal("cannot read x.pth", Checkpoint.SafeMessage("cannot read /srv/app/uploads/x.pth", "/srv/app/uploads/x.pth"));
    }

    private static void AssertSafe(string message)
    {
        Assert.DoesNotContain("frame #", message);
        Assert.DoesNotContain("0x", message);
        Assert.DoesNotContain("/usr/", message);
        Assert.DoesNotContain("/home/", message);
        Assert.DoesNotContain(Path.GetTempPath(), message);
        Assert.DoesNotContain("\n", message);
    }
}

/// <summary>Hand-written PyTorch pickles (protocol 2, as torch.save writes them) and zips around them.</summary>
internal static class Pickles
{
    public static string Zip(string name, byte[] pickle, params (string Key, int Bytes)[] storages)
    {
        var path = Path.Combine(TestData.TempFolder(), name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write(pickle);
        foreach (var (key, bytes) in storages)
            using (var s = zip.CreateEntry($"archive/data/{key}").Open()) s.Write(new byte[bytes]);
        return path;
    }

    /// <summary>An OrderedDict of float tensors, each on its own storage "0", "1", … of the given element count.</summary>
    public static byte[] StateDict(params (string Key, long StorageElements, long[] Size, long[] Stride)[] tensors)
    {
        var b = new List<byte> { 0x80, 0x02 };
        void Raw(string s) => b.AddRange(Encoding.ASCII.GetBytes(s));
        void Str(string s) { b.Add((byte)'X'); b.AddRange(BitConverter.GetBytes(Encoding.UTF8.GetByteCount(s))); b.AddRange(Encoding.UTF8.GetBytes(s)); }
        void Int(long v) { b.Add(0x8a); b.Add(8); b.AddRange(BitConverter.GetBytes(v)); }
        void Tuple(long[] v) { b.Add((byte)'('); foreach (var x in v) Int(x); b.Add((byte)'t'); }
        Raw("ccollections\nOrderedDict\n"); b.Add((byte)')'); b.Add((byte)'R');
        for (int i = 0; i < tensors.Length; i++)
        {
            var (key, numel, size, stride) = tensors[i];
            Str(key);
            Raw("ctorch._utils\n_rebuild_tensor_v2\n");
            b.Add((byte)'(');
            b.Add((byte)'('); Str("storage"); Raw("ctorch\nFloatStorage\n"); Str(i.ToString()); Str("cpu"); Int(numel); b.Add((byte)'t');
            b.Add((byte)'Q');
            Int(0); Tuple(size); Tuple(stride); b.Add(0x89);
            Raw("ccollections\nOrderedDict\n"); b.Add((byte)')'); b.Add((byte)'R');
            b.Add((byte)'t'); b.Add((byte)'R');
            b.Add((byte)'s');
        }
        b.Add((byte)'.');
        return [.. b];
    }
}
