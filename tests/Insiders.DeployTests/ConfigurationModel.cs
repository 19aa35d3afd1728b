using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Insiders.Clustering;
using Insiders.Silo.Api;
using Orleans.Configuration;

namespace Insiders.Tests;

/// <summary>
/// The configuration keys the application binds, found by reflection over its options classes the way
/// ConfigurationBinder walks them (properties, dictionaries, lists, convertible leaves), so that an environment variable
/// <c>Section__Key</c> in a deployment file can be checked against a real key and its value against the key's type.
/// </summary>
internal sealed class ConfigurationModel
{
    private static readonly Assembly[] AppAssemblies =
    [
        typeof(InsidersOptions).Assembly, // Insiders.Grains
        typeof(HostingOptions).Assembly, // Insiders.Hosting
        typeof(SegmentationOptions).Assembly, // Insiders.Core
        typeof(ApiOptions).Assembly, // Insiders.Silo
    ];

    private readonly List<(string Section, Type Type)> _roots = [];
    private readonly HashSet<string> _plainKeys = new(StringComparer.OrdinalIgnoreCase);

    private ConfigurationModel()
    {
    }

    public IReadOnlyList<(string Section, Type Type)> Roots => _roots;

    /// <summary>
    /// Options classes by their <c>Section</c> constant, <see cref="HostingOptions"/> (bound from the <c>Insiders</c>
    /// section by AddInsiders), Orleans' <see cref="ClusterMembershipOptions"/> (<c>Insiders:Membership</c>), the
    /// connection string, and the telemetry contract keys while no options class of that section exists.
    /// </summary>
    public static ConfigurationModel ForApplication()
    {
        var model = new ConfigurationModel();
        foreach (var type in AppAssemblies.Distinct().SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section)
            {
                model._roots.Add((section, type));
            }
        }

        model._roots.Add((InsidersOptions.Section, typeof(HostingOptions)));
        model._roots.Add((InsidersOptions.Section + ":Membership", typeof(ClusterMembershipOptions)));
        model._plainKeys.Add("ConnectionStrings:" + HostingOptions.ConnectionStringName);

        if (model._roots.Any(r => string.Equals(r.Section, TelemetryContract.TelemetrySection, StringComparison.OrdinalIgnoreCase)))
        {
            // The telemetry options class exists: the contract keys must be real keys of it.
            foreach (var key in TelemetryContract.ConfigurationKeys)
            {
                var error = model.Check(key, value: null);
                if (error is not null)
                {
                    throw new InvalidOperationException($"Telemetry contract key {key} is not bound by the telemetry options: {error}");
                }
            }
        }
        else
        {
            model._plainKeys.UnionWith(TelemetryContract.ConfigurationKeys);
        }

        return model;
    }

    /// <summary>The configuration key of an environment variable name (<c>__</c> separates sections).</summary>
    public static string KeyOf(string environmentVariable) => environmentVariable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Null when <paramref name="key"/> is bound by the application and <paramref name="value"/> converts to its type; otherwise why not.</summary>
    public string? Check(string key, string? value)
    {
        if (_plainKeys.Contains(key))
        {
            return null;
        }

        var segments = key.Split(':');
        var errors = new List<string>();
        foreach (var (section, type) in _roots)
        {
            var sectionSegments = section.Split(':');
            if (sectionSegments.Length >= segments.Length
                || !sectionSegments.Zip(segments).All(p => string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var error = Resolve(type, segments, sectionSegments.Length, value, type.Name);
            if (error is null)
            {
                return null;
            }

            errors.Add(error);
        }

        return errors.Count == 0
            ? $"no options class binds a section containing '{key}'"
            : $"'{key}' is not bound: " + string.Join("; ", errors);
    }

    private static string? Resolve(Type type, string[] segments, int index, string? value, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            if (index != segments.Length)
            {
                return $"{path} is a {type.Name} value, it has no '{segments[index]}'";
            }

            return Converts(type, value) ? null : $"{path} ({type.Name}) cannot take the value '{value}'";
        }

        if (index == segments.Length)
        {
            return $"{path} is a section, not a value";
        }

        var segment = segments[index];
        if (DictionaryValueType(type) is { } valueType)
        {
            return Resolve(valueType, segments, index + 1, value, $"{path}[{segment}]");
        }

        if (ListElementType(type) is { } elementType)
        {
            return int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? Resolve(elementType, segments, index + 1, value, $"{path}[{segment}]")
                : $"{path} is a list; '{segment}' is not an index";
        }

        var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || property.GetIndexParameters().Length > 0)
        {
            return $"{type.Name} has no property '{segment}'";
        }

        var bindable = property.SetMethod is { IsPublic: true }
            || (property.GetMethod is { IsPublic: true } && !IsLeaf(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType));
        return bindable
            ? Resolve(property.PropertyType, segments, index + 1, value, $"{path}.{property.Name}")
            : $"{type.Name}.{property.Name} cannot be set from configuration";
    }

    private static bool IsLeaf(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    private static bool Converts(Type type, string? value)
    {
        if (value is null || value.Contains("${", StringComparison.Ordinal) || type == typeof(string))
        {
            return true; // absent, interpolated by compose at run time, or any text
        }

        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static Type? DictionaryValueType(Type type) =>
        GenericInterface(type, typeof(IDictionary<,>)) is { } dictionary && dictionary.GetGenericArguments()[0] == typeof(string)
            ? dictionary.GetGenericArguments()[1]
            : null;

    private static Type? ListElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && GenericInterface(type, typeof(IEnumerable<>)) is { } enumerable
            ? enumerable.GetGenericArguments()[0]
            : null;

    private static Type? GenericInterface(Type type, Type definition) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
}
