using System.ComponentModel;
using System.Globalization;
using Microsoft.SemanticKernel;

namespace AgentLoop.Plugins;

/// <summary>Arithmetic the agent can call.</summary>
public sealed class CalculatorPlugin
{
    /// <summary>Adds.</summary>
    [KernelFunction("add"), Description("Adds two numbers.")]
    public string Add(double a, double b) => (a + b).ToString(CultureInfo.InvariantCulture);

    /// <summary>Multiplies.</summary>
    [KernelFunction("multiply"), Description("Multiplies two numbers.")]
    public string Multiply(double a, double b) => (a * b).ToString(CultureInfo.InvariantCulture);
}
