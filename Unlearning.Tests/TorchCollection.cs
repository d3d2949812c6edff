namespace Unlearning.Tests;

/// <summary>Tests that touch native tensor memory run one at a time (LibTorch's threads, dispose scopes).</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public class TorchCollection { }
