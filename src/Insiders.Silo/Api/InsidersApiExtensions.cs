using System.Text.Json.Serialization;
using Insiders.Silo.Api.Contracts;
using Microsoft.AspNetCore.Authentication;

namespace Insiders.Silo.Api;

/// <summary>The HTTP API, its security, OpenAPI document and the static pages.</summary>
public static class InsidersApiExtensions
{
    /// <summary>Services of the API: options, API-key authentication and role policies, ProblemDetails, OpenAPI.</summary>
    public static WebApplicationBuilder AddInsidersApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxTransactionBodyBytes > 0 && o.MaxReportedErrors >= 0, $"{ApiOptions.Section}: MaxTransactionBodyBytes must be positive.")
            .ValidateOnStart();
        var requireReadKey = builder.Configuration.GetValue<bool>($"{ApiOptions.Section}:{nameof(ApiOptions.RequireReadKey)}");

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<CustomerDirectory>();
        services.AddSingleton<TransitionTail>();
        services.AddAuthentication(ApiRoles.Scheme).AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiRoles.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.IngestPolicy, p => p.RequireAuthenticatedUser().RequireRole(ApiRoles.Ingest))
            .AddPolicy(ApiRoles.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(ApiRoles.Admin))
            .AddPolicy(ApiRoles.ReadPolicy, p =>
            {
                if (requireReadKey)
                {
                    p.RequireAuthenticatedUser(); // any configured key may read
                }
                else
                {
                    p.RequireAssertion(_ => true);
                }
            });

        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        services.AddOpenApi(o => o.AddDocumentTransformer<ApiKeyOpenApiTransformer>());
        return builder;
    }

    /// <summary>Maps the endpoints, /openapi/v1.json and the page (wwwroot), behind the exception handler.</summary>
    public static WebApplication MapInsidersApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.Services.GetRequiredService<ApiKeyStore>(); // logs the development key (or the lack of keys) at start
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();
        var read = app.MapGroup("/api").RequireAuthorization(ApiRoles.ReadPolicy);
        read.MapCustomersApi().MapModelApi().MapInsidersApi().MapInsightsApi();
        app.MapTransactionsApi();
        app.MapRetrainApi();
        return app;
    }
}
