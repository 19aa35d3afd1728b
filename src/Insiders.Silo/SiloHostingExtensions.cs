namespace Insiders.Silo;

/// <summary>The silo inside the web host: localhost clustering on the configured ports, Insiders, the demo feed.</summary>
public static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddInsidersSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Membership, ports and storage come from configuration (embedded SQLite by default; see AddInsiders).
        builder.UseOrleans(silo => silo.AddInsiders(builder.Configuration));
        builder.Services.AddOptions<DemoFeedOptions>().BindConfiguration(DemoFeedOptions.Section);
        builder.Services.AddHostedService<DemoFeed>();
        return builder;
    }
}
