namespace Enaction.Onnx.Models;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when the GPU build and a GPU are present, otherwise CPU with one warning.</summary>
    Auto,
    /// <summary>CPU only.</summary>
    Cpu,
    /// <summary>CUDA only; loading fails with a clear message when it is not available.</summary>
    Cuda,
}
