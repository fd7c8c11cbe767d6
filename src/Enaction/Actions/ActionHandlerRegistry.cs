using Enaction.Actions.Handlers;
using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>
/// The action handlers by name: the built-in ones, then the host's. The policy loader accepts exactly these names;
/// the executor runs each decided action through the handler of its name.
/// </summary>
public sealed class ActionHandlerRegistry
{
    private readonly Dictionary<string, ActionHandler> _handlers = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    /// <summary>A registry holding the built-in actions.</summary>
    public ActionHandlerRegistry()
    {
        foreach (var handler in (ReadOnlySpan<ActionHandler>)[new LogHandler(), new AnnotateHandler(), new ResampleHandler(),
            new VerifyHandler(), new StripHandler(), new BlockHandler(), new EscalateHandler()])
            Insert(handler);
    }

    /// <summary>The built-in actions only (never added to: hosts build their own registry).</summary>
    internal static ActionHandlerRegistry BuiltIn { get; } = new();

    /// <summary>
    /// Registers a host's action. Its name must be new: a built-in action cannot be replaced (a safety policy's
    /// <c>block</c> must mean block), and names are lower-case letters, digits, <c>-</c> and <c>_</c>.
    /// </summary>
    public ActionHandlerRegistry Add(ActionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var name = handler.Name;
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            throw new ArgumentException($"Action name \"{name}\" of {handler.GetType().Name} is not usable in a policy file; expected lower-case letters, digits, - or _.", nameof(handler));
        if (_handlers.ContainsKey(name))
            throw new ArgumentException(PolicyActionNames.KindOf(name) != PolicyActionKind.Custom
                ? $"\"{name}\" is a built-in action and cannot be replaced; register {handler.GetType().Name} under another name."
                : $"An action named \"{name}\" is already registered.", nameof(handler));
        Insert(handler);
        return this;
    }

    private void Insert(ActionHandler handler)
    {
        _handlers.Add(handler.Name, handler);
        _names.Add(handler.Name);
    }

    /// <summary>The registered names: the built-in ones in documentation order, then the host's in registration order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The handler registered under <paramref name="name"/>, if any.</summary>
    public ActionHandler? Find(string name) => _handlers.GetValueOrDefault(name);
}
