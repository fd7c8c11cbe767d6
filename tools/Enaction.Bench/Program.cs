using Enaction.Bench;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
return await BenchApplication.RunAsync(args, Console.Out, Console.Error, cancel.Token);
