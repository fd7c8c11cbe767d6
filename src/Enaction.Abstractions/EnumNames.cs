using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Enaction;

/// <summary>
/// The names enums have in JSON and text, read from their <see cref="JsonStringEnumMemberNameAttribute"/>s: one
/// source for what the serializer writes and what messages, reports and tables print.
/// </summary>
public static class EnumNames
{
    private static readonly ConcurrentDictionary<Type, (Dictionary<object, string> Names, Dictionary<string, object> Values)> Cache = new();

    /// <summary>The name of <paramref name="value"/> (its attribute's, else its member name).</summary>
    public static string Name<T>(T value) where T : struct, Enum =>
        Table(typeof(T)).Names.TryGetValue(value, out var name) ? name : value.ToString();

    /// <summary>Parses a name (exact, ordinal) into its value.</summary>
    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        if (name is not null && Table(typeof(T)).Values.TryGetValue(name, out var boxed))
        {
            value = (T)boxed;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>All names of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => [.. Enum.GetValues<T>().Select(Name)];

    private static (Dictionary<object, string> Names, Dictionary<string, object> Values) Table(Type type) => Cache.GetOrAdd(type, t =>
    {
        var names = new Dictionary<object, string>();
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var field in t.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var value = field.GetValue(null)!;
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
            names[value] = name;
            values[name] = value;
        }
        return (names, values);
    });
}
