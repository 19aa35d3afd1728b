using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Insiders.Silo.Api;

/// <summary>Declares the <c>X-Api-Key</c> header scheme in the OpenAPI document.</summary>
internal sealed class ApiKeyOpenApiTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Insiders API";
        document.Info.Description = "Live customer segmentation. Writes need an X-Api-Key with role 'ingest' (transactions) or 'admin' (retrain).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiRoles.Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiRoles.Header,
            Description = "API key; roles ingest, admin, read.",
        };
        return Task.CompletedTask;
    }
}
