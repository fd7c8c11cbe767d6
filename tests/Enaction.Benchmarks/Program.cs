using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process: the benchmarks run in this already-built Release process instead of BenchmarkDotNet generating and
// compiling a project per benchmark, which takes minutes on a 2-core machine. Few iterations: each invocation of a
// scoring benchmark is milliseconds to seconds, far above timer resolution.
var config = DefaultConfig.Instance
    .AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithWarmupCount(2)
        .WithIterationCount(9)
        .AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Enaction.Benchmarks.BenchmarkModels).Assembly).Run(args, config);
