using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Insiders.Silo.Api;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against <see cref="ApiKeyStore"/>. No header: anonymous (policies then
/// answer 401 where a key is needed). An unknown key: 401. A key without the role: 403. Both as ProblemDetails.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[ApiRoles.Header].ToString();
        if (presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(presented) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name) };
        claims.AddRange(key.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiRoles.Scheme));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, ApiRoles.Scheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{ApiRoles.Scheme} header=\"{ApiRoles.Header}\"";
        var detail = Request.Headers.ContainsKey(ApiRoles.Header)
            ? "The API key is not valid."
            : $"This endpoint needs an API key in the {ApiRoles.Header} header.";
        return WriteAsync(StatusCodes.Status401Unauthorized, "API key required", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteAsync(StatusCodes.Status403Forbidden, "Forbidden", "The API key does not have the role this endpoint needs.");
    }

    private async Task WriteAsync(int status, string title, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
}
