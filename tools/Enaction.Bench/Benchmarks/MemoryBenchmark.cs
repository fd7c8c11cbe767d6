using Enaction.Onnx.Scoring;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Peak memory while scoring one long transcript with a large-vocabulary model: the process working set (resident
/// set) and the managed heap, measured from just after the model is loaded, so the figure is what scoring needs
/// beyond the weights. On Linux the kernel's high-water mark is reset before scoring (/proc/self/clear_refs) and
/// a sampler thread also polls the resident set and the managed heap every millisecond.
/// </summary>
public sealed class MemoryBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Tokens">Tokens to score.</param>
    public sealed record Options(int Tokens = 4096);

    /// <summary>Loads <paramref name="load"/>'s model and scores one transcript of <paramref name="options"/>.Tokens tokens.</summary>
    public static async Task<MemoryResult> RunAsync(BenchModel load, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var beforeLoad = ResidentBytes();
        using var model = load.Load();
        var transcript = SyntheticText.For(model).SingleMessage(options.Tokens);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var afterLoad = ResidentBytes();
        var managedBefore = GC.GetTotalMemory(forceFullCollection: false);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var resetWorked = ResetHighWaterMark();

        long peakResident = afterLoad, peakManaged = managedBefore;
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakResident = Math.Max(peakResident, ResidentBytes());
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(forceFullCollection: false));
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "memory sampler" };
        sampler.Start();

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        int scoredTokens;
        using (var session = new OnnxScoringSession(model))
        {
            var scored = await session.ScoreAsync(transcript, cancellationToken);
            scoredTokens = scored.Tokens.Length;
        }
        var elapsed = Samples.ElapsedMs(started);
        stop.Cancel();
        sampler.Join();
        var highWater = resetWorked ? HighWaterMarkBytes() : 0;
        peakResident = Math.Max(peakResident, highWater);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        return new MemoryResult(
            model.Id, scoredTokens, model.VocabSize, model.ContextLength,
            Mb(new FileInfo(model.Directory.OnnxPath).Length),
            Mb(beforeLoad), Mb(afterLoad), Mb(peakResident), Mb(peakResident - afterLoad),
            Mb(managedBefore), Mb(peakManaged), Mb(peakManaged - managedBefore), Mb(allocated),
            resetWorked, Samples.Round(elapsed), Mb(LogitsBufferBytes(load, model.VocabSize)),
            machine);
    }

    private static long LogitsBufferBytes(BenchModel load, int vocabulary)
    {
        var max = load.MaxLogitsPerRun ?? new Enaction.Onnx.Models.ModelOptions().MaxLogitsPerRun;
        return 4L * Math.Max(1, max / vocabulary) * vocabulary;
    }

    private static double Mb(long bytes) => Samples.Round(bytes / (1024.0 * 1024.0), 1);

    /// <summary>Resident set size now (Linux /proc/self/statm; the working set elsewhere).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var text = File.ReadAllText("/proc/self/statm");
            var fields = text.Split(' ');
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }

    private static bool ResetHighWaterMark()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long HighWaterMarkBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}

/// <summary>What <see cref="MemoryBenchmark"/> measured, in MiB.</summary>
/// <param name="Model">Model id.</param>
/// <param name="Tokens">Tokens scored.</param>
/// <param name="Vocabulary">Logits per token.</param>
/// <param name="ContextLength">Context the scorer ran with.</param>
/// <param name="WeightsFileMb">Size of the ONNX file.</param>
/// <param name="ResidentBeforeLoadMb">Resident set before loading the model.</param>
/// <param name="ResidentAfterLoadMb">Resident set after loading it (weights, ONNX Runtime, tokenizer).</param>
/// <param name="PeakResidentMb">Highest resident set while scoring.</param>
/// <param name="PeakExtraMb">PeakResidentMb - ResidentAfterLoadMb: what scoring needs beyond the loaded model (target: under 256).</param>
/// <param name="ManagedBeforeMb">Managed heap before scoring.</param>
/// <param name="PeakManagedMb">Highest managed heap seen while scoring.</param>
/// <param name="PeakManagedExtraMb">PeakManagedMb - ManagedBeforeMb.</param>
/// <param name="AllocatedMb">Managed bytes allocated while scoring (collected or not).</param>
/// <param name="HighWaterMarkReset">Whether the kernel's peak counter could be reset (otherwise only the sampler's figure).</param>
/// <param name="ScoreMs">Time to score.</param>
/// <param name="LogitsBufferMb">Size of one chunk's logits buffer.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record MemoryResult(string Model, int Tokens, int Vocabulary, int ContextLength, double WeightsFileMb,
    double ResidentBeforeLoadMb, double ResidentAfterLoadMb, double PeakResidentMb, double PeakExtraMb,
    double ManagedBeforeMb, double PeakManagedMb, double PeakManagedExtraMb, double AllocatedMb,
    bool HighWaterMarkReset, double ScoreMs, double LogitsBufferMb, BenchMachine Machine);
