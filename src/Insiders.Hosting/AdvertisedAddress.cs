using System.Net;
using System.Net.Sockets;

namespace Insiders;

/// <summary>
/// Resolves <c>Insiders:AdvertisedAddress</c>, the address other silos reach this one at: an IP literal, a host name
/// (e.g. a compose service name), or <c>auto</c> — this machine's own host name, so identical replicas
/// (<c>docker compose up --scale</c>) each advertise their own container address.
/// </summary>
public static class AdvertisedAddress
{
    /// <summary>The value that means "resolve this machine's host name".</summary>
    public const string Auto = "auto";

    /// <summary>Resolves <paramref name="value"/> with the machine's host name and DNS (including /etc/hosts).</summary>
    public static IPAddress Resolve(string? value) => Resolve(value, Dns.GetHostName(), Dns.GetHostAddresses);

    /// <summary>
    /// Resolves <paramref name="value"/>: unset → loopback (one machine); an IP literal as is (never the wildcard);
    /// a host name or <c>auto</c> (= <paramref name="hostName"/>) → its first IPv4 address that is not loopback, else its
    /// first IPv4 address. Anything that resolves to no IPv4 address is an error naming the setting.
    /// </summary>
    public static IPAddress Resolve(string? value, string hostName, Func<string, IPAddress[]> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (string.IsNullOrWhiteSpace(value))
        {
            return IPAddress.Loopback;
        }

        var trimmed = value.Trim();
        if (IPAddress.TryParse(trimmed, out var literal))
        {
            if (literal.Equals(IPAddress.Any) || literal.Equals(IPAddress.IPv6Any))
            {
                throw new ArgumentException(
                    $"Insiders:AdvertisedAddress={trimmed} is the wildcard address; other silos need this silo's own routable address.",
                    nameof(value));
            }

            return literal;
        }

        var name = string.Equals(trimmed, Auto, StringComparison.OrdinalIgnoreCase) ? hostName : trimmed;
        IPAddress[] addresses;
        try
        {
            addresses = lookup(name);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"Insiders:AdvertisedAddress={trimmed}: host name '{name}' does not resolve ({e.Message}).", nameof(value), e);
        }

        var ipv4 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToArray();
        return ipv4.FirstOrDefault(a => !IPAddress.IsLoopback(a)) ?? ipv4.FirstOrDefault()
            ?? throw new ArgumentException(
                $"Insiders:AdvertisedAddress={trimmed}: host name '{name}' resolves to no IPv4 address " +
                $"({(addresses.Length == 0 ? "none" : string.Join(", ", addresses.Select(a => a.ToString())))}).",
                nameof(value));
    }
}
