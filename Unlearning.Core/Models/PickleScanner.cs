using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Unlearning.Core.Models;

/// <summary>A tensor storage that a checkpoint's pickle refers to (persistent id <c>('storage', torch.FloatStorage, key, location, numel)</c>).</summary>
public sealed record StorageClaim(string Key, string Type, long Elements, int ElementSize);

/// <summary>
/// A small, bounded pickle machine for the <c>data.pkl</c> of a PyTorch state dict. It never executes anything:
/// it only builds inert placeholders, so that it can refuse what an honest state dict never holds before
/// TorchSharp.PyBridge (which trusts the file) reads it: globals outside a short allow-list, opcodes a state dict
/// does not use, strings/bytes/memo beyond the budget, and tensors whose shape × stride runs past their storage.
/// </summary>
public static class PickleScanner
{
    /// <summary>Element size of each storage class a state dict may use.</summary>
    private static readonly Dictionary<string, int> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = 4, ["DoubleStorage"] = 8, ["HalfStorage"] = 2, ["BFloat16Storage"] = 2,
        ["LongStorage"] = 8, ["IntStorage"] = 4, ["ShortStorage"] = 2, ["CharStorage"] = 1,
        ["ByteStorage"] = 1, ["BoolStorage"] = 1,
    };

    /// <summary>The only callables a state dict needs.</summary>
    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    };

    private sealed record Global(string Name);
    private sealed record Storage(StorageClaim Claim);
    private sealed record TensorRef(long Elements);
    private sealed class Mark;
    private sealed class Opaque;
    private static readonly Mark TheMark = new();
    private static readonly Opaque Something = new();

    /// <summary>Scans the pickle; returns the storages it claims, or throws <see cref="CheckpointRejectedException"/> with a short reason.</summary>
    public static IReadOnlyList<StorageClaim> Scan(ReadOnlySpan<byte> pkl, CheckpointLimits limits, Stopwatch? clock = null)
    {
        clock ??= Stopwatch.StartNew();
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        var storages = new Dictionary<string, StorageClaim>(StringComparer.Ordinal);
        long objects = 0, ops = 0, totalElements = 0;
        int pos = 0;

        void Count(long n = 1)
        {
            objects += n;
            if (objects > limits.MaxPickleObjects) throw Refuse($"its pickle creates more than {limits.MaxPickleObjects:N0} objects");
        }
        void Push(object? o) { Count(); stack.Add(o); }
        object? Pop()
        {
            if (stack.Count == 0) throw Refuse("its pickle pops from an empty stack");
            var o = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            if (o is Mark) throw Refuse("its pickle has a misplaced mark");
            return o;
        }
        List<object?> PopToMark()
        {
            int m = stack.FindLastIndex(o => o is Mark);
            if (m < 0) throw Refuse("its pickle has no mark where one is needed");
            var items = stack.GetRange(m + 1, stack.Count - m - 1);
            stack.RemoveRange(m, stack.Count - m);
            return items;
        }
        ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, long n)
        {
            if (n < 0 || n > data.Length - pos) throw Refuse($"its pickle claims {n:N0} bytes where only {data.Length - pos:N0} remain");
            var s = data.Slice(pos, (int)n);
            pos += (int)n;
            return s;
        }
        string Text(ReadOnlySpan<byte> data, long n, string what)
        {
            if (n > limits.MaxStringBytes) throw Refuse($"its pickle has a {what} of {n:N0} bytes (limit {limits.MaxStringBytes:N0})");
            return Encoding.UTF8.GetString(Take(data, n));
        }
        string Line(ReadOnlySpan<byte> data)
        {
            int end = data[pos..].IndexOf((byte)'\n');
            if (end < 0 || end > 256) throw Refuse("its pickle has an unterminated or overlong name");
            var s = Encoding.ASCII.GetString(data.Slice(pos, end));
            pos += end + 1;
            return s;
        }
        void Memo(long index)
        {
            if (!memo.ContainsKey(index)) Count();
            if (stack.Count == 0) throw Refuse("its pickle memoises an empty stack");
            memo[index] = stack[^1];
        }
        object? Get(long index) => memo.TryGetValue(index, out var o) ? o : throw Refuse("its pickle reads a memo entry that was never written");

        while (true)
        {
            if (++ops > limits.MaxPickleOps) throw Refuse($"its pickle runs more than {limits.MaxPickleOps:N0} operations");
            if ((ops & 1023) == 0 && clock.Elapsed > limits.TimeBudget) throw Refuse($"checking it took longer than {limits.TimeBudget.TotalSeconds:0} s");
            if (pos >= pkl.Length) throw Refuse("its pickle ends without STOP");
            byte op = pkl[pos++];
            switch (op)
            {
                case 0x80: Take(pkl, 1); break; // PROTO
                case 0x95: Take(pkl, 8); break; // FRAME: only a read-ahead hint
                case (byte)'(': stack.Add(TheMark); break;
                case (byte)'.': return [.. storages.Values];
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': if (stack.Count == 0) throw Refuse("its pickle duplicates an empty stack"); Push(stack[^1]); break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(pkl, 4))); break;
                case (byte)'K': Push((long)Take(pkl, 1)[0]); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(pkl, 2))); break;
                case 0x8a:
                    {
                        var bytes = Take(pkl, Take(pkl, 1)[0]);
                        if (bytes.Length > 8) throw Refuse("its pickle has an integer wider than 64 bits");
                        long v = 0;
                        for (int i = bytes.Length - 1; i >= 0; i--) v = (v << 8) | bytes[i];
                        if (bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0) v -= 1L << (8 * bytes.Length);
                        Push(v);
                        break;
                    }
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(pkl, 8))); break;
                case (byte)'X': Push(Text(pkl, BinaryPrimitives.ReadUInt32LittleEndian(Take(pkl, 4)), "string")); break;
                case 0x8c: Push(Text(pkl, Take(pkl, 1)[0], "string")); break;
                case 0x8d: Push(Text(pkl, (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(pkl, 8)), long.MaxValue), "string")); break;
                case (byte)'B': Text(pkl, BinaryPrimitives.ReadUInt32LittleEndian(Take(pkl, 4)), "bytes value"); Push(Something); break;
                case (byte)'C': Take(pkl, Take(pkl, 1)[0]); Push(Something); break;
                case 0x8e: Text(pkl, (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(pkl, 8)), long.MaxValue), "bytes value"); Push(Something); break;
                case (byte)'}': Push(Something); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break;
                case (byte)')': Push(Array.Empty<object?>()); break;
                case 0x8f: Push(Something); break; // EMPTY_SET
                case (byte)'d': case (byte)'l': { var items = PopToMark(); Push(op == (byte)'l' ? items : Something); break; }
                case (byte)'t': { var items = PopToMark(); Push(items.ToArray()); break; }
                case 0x85: { var a = Pop(); Push(new[] { a }); break; }
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)'s': Pop(); Pop(); break; // SETITEM: key and value go into the dict below
                case (byte)'u': case 0x90: PopToMark(); break; // SETITEMS / ADDITEMS
                case (byte)'a': { var v = Pop(); if (stack.Count > 0 && stack[^1] is List<object?> l) l.Add(v); break; }
                case (byte)'e': { var items = PopToMark(); if (stack.Count > 0 && stack[^1] is List<object?> l) l.AddRange(items); break; }
                case (byte)'b': Pop(); break; // BUILD: state applied to the object below (OrderedDict's _metadata)
                case (byte)'q': Memo(Take(pkl, 1)[0]); break;
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(pkl, 4))); break;
                case 0x94: Memo(memo.Count); break;
                case (byte)'h': stack.Add(Get(Take(pkl, 1)[0])); Count(); break;
                case (byte)'j': stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(pkl, 4)))); Count(); break;
                case (byte)'c':
                    {
                        var module = Line(pkl);
                        var name = Line(pkl);
                        Push(Resolve(module, name));
                        break;
                    }
                case 0x93:
                    {
                        var name = Pop() as string;
                        var module = Pop() as string;
                        if (module is null || name is null) throw Refuse("its pickle names a global with non-string parts");
                        Push(Resolve(module, name));
                        break;
                    }
                case (byte)'Q':
                    {
                        var pid = Pop() as object?[];
                        var claim = StorageFrom(pid, limits);
                        if (!storages.TryGetValue(claim.Key, out var known))
                        {
                            totalElements += claim.Elements;
                            if (totalElements > limits.MaxTotalStorageElements)
                                throw Refuse($"its storages hold more than {limits.MaxTotalStorageElements:N0} elements in all, more than the model has");
                            storages[claim.Key] = known = claim;
                        }
                        else if (known != claim) throw Refuse($"storage '{claim.Key}' is declared twice with different sizes");
                        Push(new Storage(known));
                        break;
                    }
                case (byte)'R':
                    {
                        var args = Pop() as object?[] ?? throw Refuse("its pickle calls a function without an argument tuple");
                        var fn = Pop() as Global ?? throw Refuse("its pickle calls something that is not an allowed function");
                        Push(fn.Name switch
                        {
                            "torch._utils._rebuild_tensor_v2" => CheckTensor(args),
                            "torch._utils._rebuild_parameter" => args.Length > 0 && args[0] is TensorRef t ? t : throw Refuse("a parameter does not wrap a tensor"),
                            "collections.OrderedDict" => Something,
                            _ => throw Refuse($"its pickle calls '{fn.Name}', which a state dict never does"),
                        });
                        break;
                    }
                default:
                    throw Refuse($"its pickle uses opcode 0x{op:x2}, which a state dict never does");
            }
        }
    }

    private static Global Resolve(string module, string name)
    {
        var full = module + "." + name;
        if (module == "torch" && StorageTypes.ContainsKey(name)) return new Global(full);
        if (AllowedGlobals.Contains(full)) return new Global(full);
        throw Refuse($"its pickle refers to '{Shorten(full)}', which is not allowed in a state dict");
    }

    private static StorageClaim StorageFrom(object?[]? pid, CheckpointLimits limits)
    {
        if (pid is not { Length: 5 } || pid[0] as string != "storage" || pid[1] is not Global type || pid[2] is not string key || pid[4] is not long numel)
            throw Refuse("its pickle has a persistent id that is not a tensor storage");
        var typeName = type.Name["torch.".Length..];
        if (!StorageTypes.TryGetValue(typeName, out var size)) throw Refuse($"storage '{Shorten(key)}' has an unknown type");
        if (key.Length > 32 || !key.All(char.IsAsciiLetterOrDigit)) throw Refuse("a storage has a key that is not a short name");
        if (numel < 0) throw Refuse($"storage '{key}' claims a negative size");
        if (numel > limits.MaxStorageElements)
            throw Refuse($"storage '{key}' claims {numel:N0} elements, more than the whole model has ({limits.MaxStorageElements:N0})");
        return new StorageClaim(key, typeName, numel, size);
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2(storage, offset, size, stride, ...)</c>: the last element a tensor addresses is
    /// offset + Σ (size_i − 1)·stride_i, which must lie inside its storage (LibTorch would fail on it with a native trace).
    /// </summary>
    private static TensorRef CheckTensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not Storage s || args[1] is not long offset || args[2] is not object?[] size || args[3] is not object?[] stride || size.Length != stride.Length)
            throw Refuse("a tensor is described with arguments a state dict never uses");
        if (size.Length > 8) throw Refuse("a tensor has more than 8 dimensions");
        long elements = 1, last = offset;
        bool empty = false;
        for (int i = 0; i < size.Length; i++)
        {
            if (size[i] is not long n || stride[i] is not long st || n < 0 || st < 0)
                throw Refuse("a tensor has a negative or non-integer shape or stride");
            if (n == 0) empty = true;
            elements = n == 0 ? 0 : (elements > long.MaxValue / Math.Max(n, 1) ? throw Refuse("a tensor's shape overflows") : elements * n);
            if (n > 0)
            {
                if (st > 0 && n - 1 > (long.MaxValue - last) / st) throw Refuse("a tensor's shape × stride overflows");
                last += (n - 1) * st;
            }
        }
        if (offset < 0) throw Refuse("a tensor has a negative storage offset");
        if (!empty && last >= s.Claim.Elements)
            throw Refuse($"a tensor of shape [{string.Join(", ", size)}] addresses element {last:N0} of storage '{s.Claim.Key}', which holds {s.Claim.Elements:N0}");
        return new TensorRef(elements);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    internal static CheckpointRejectedException Refuse(string reason) => new CheckpointRejectedException(reason);
}

/// <summary>A checkpoint refused before it was handed to the loader; the message is safe to show to the uploader.</summary>
public sealed class CheckpointRejectedException(string reason) : Exception(reason);
