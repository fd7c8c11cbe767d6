using Spectre.Console;

namespace Enaction.Cli.Output;

/// <summary>Progress bars on standard error for the long-running commands (dataset, calibrate, evaluate).</summary>
public static class ProgressDisplay
{
    /// <summary>
    /// Runs <paramref name="work"/> while showing one bar per stage; <paramref name="work"/> gets a function that
    /// opens a stage (description, total steps) and returns where to report steps done.
    /// </summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, Func<Func<string, int, IProgress<int>>, Task<T>> work)
    {
        // Without an interactive terminal (CI, redirected output) Spectre draws no bars: print one line per stage.
        if (!console.Profile.Capabilities.Interactive)
            return work((description, total) =>
            {
                console.WriteLine($"{description} ({Math.Max(1, total)} steps)");
                return new Progress<int>();
            });
        return Bars(console, work);
    }

    private static Task<T> Bars<T>(IAnsiConsole console, Func<Func<string, int, IProgress<int>>, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(ctx => work((description, total) =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                return new StageProgress(task);
            }));

    private sealed class StageProgress(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Value = value;
    }
}
