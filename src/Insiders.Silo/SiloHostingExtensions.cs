using Orleans.Dashboard;

namespace Insiders.Silo;

/// <summary>The silo inside the web host: localhost clustering on the configured ports, Insiders, the demo feed.</summary>
public static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddInsidersSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Membership, ports and storage come from configuration (embedded SQLite by default; see AddInsiders). Trace
        // context flows through grain calls; the dashboard's silo side runs here (its UI is mapped at /dashboard).
        builder.UseOrleans(silo => silo.AddInsiders(builder.Configuration).AddActivityPropagation().AddDashboard());
        builder.Services.AddOptions<DemoFeedOptions>().BindConfiguration(DemoFeedOptions.Section);
        builder.Services.AddHostedService<DemoFeed>();
        return builder;
    }
}
