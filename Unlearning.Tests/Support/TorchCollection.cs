namespace Unlearning.Tests.Support;

/// <summary>Tests that touch TorchSharp's native tensor memory run one after another in this collection.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public class TorchCollection
{
}
