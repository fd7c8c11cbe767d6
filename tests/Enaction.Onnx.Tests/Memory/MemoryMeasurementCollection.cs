namespace Enaction.Onnx.Tests.Memory;

/// <summary>
/// Tests that measure the process's memory run alone: xUnit runs a collection without parallelization after the
/// others, so no other test's allocations or resident pages land in the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement";
}
