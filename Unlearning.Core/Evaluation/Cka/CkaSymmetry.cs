namespace Unlearning.Core.Evaluation.Cka;

/// <summary>
/// Linear CKA is symmetric (HSIC(K, L) = HSIC(L, K)), so the CKA of model X against model Y is the transpose of
/// Y's against X: entry (i, j) of one is entry (j, i) of the other. The Original is evaluated before the Retrained
/// model exists; its CKA against the Retrained model is then this transpose, not a second pass over the data.
/// </summary>
public static class CkaSymmetry
{
    /// <summary>Mᵀ: row j of the result is column j of <paramref name="m"/> (an empty matrix stays empty).</summary>
    public static double[][] Transpose(double[][] m) =>
        m.Length == 0 ? m : [.. Enumerable.Range(0, m[0].Length).Select(j => m.Select(row => row[j]).ToArray())];

    /// <summary>The same layers with every matrix (train/test × forget/other classes) transposed.</summary>
    public static CkaResult Transpose(CkaResult c) => new()
    {
        Layers = c.Layers,
        Train = new CkaSplit { ForgetClass = Transpose(c.Train.ForgetClass), OtherClasses = Transpose(c.Train.OtherClasses) },
        Test = new CkaSplit { ForgetClass = Transpose(c.Test.ForgetClass), OtherClasses = Transpose(c.Test.OtherClasses) },
    };
}
