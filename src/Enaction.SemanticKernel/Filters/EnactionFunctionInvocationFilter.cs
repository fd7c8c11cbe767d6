using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Microsoft.SemanticKernel;

namespace Enaction.SemanticKernel;

/// <summary>
/// Puts the kernel function's name (and the agent from <c>Kernel.Data["enaction.agent"]</c>) in
/// <see cref="EnactionScope"/> while it runs, so the monitoring chat client can match policies on
/// <c>functions:</c> and <c>agents:</c> for prompt functions. Does nothing else; calls <c>next</c>.
/// </summary>
public sealed class EnactionFunctionInvocationFilter : IFunctionInvocationFilter
{
    /// <summary><c>Kernel.Data</c> key naming the agent.</summary>
    public const string AgentKey = "enaction.agent";

    /// <inheritdoc/>
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var agent = context.Kernel.Data.TryGetValue(AgentKey, out var a) ? a as string : null;
        using (EnactionScope.Begin(agent: agent, function: QualifiedName(context.Function)))
            await next(context).ConfigureAwait(false);
    }

    internal static string QualifiedName(KernelFunction function) =>
        string.IsNullOrEmpty(function.PluginName) ? function.Name : $"{function.PluginName}.{function.Name}";
}
