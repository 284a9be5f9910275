using Microsoft.AspNetCore.Http;
using Toolchain.Agent.Api;

namespace Toolchain.Agent.Security;

/// <summary>
/// Every request, whatever its path (unknown ones included, so the agent does not even say which routes exist), must carry
/// <c>Authorization: Bearer TOKEN</c> with the agent's token; otherwise 401 and nothing else runs: no body is read, no job
/// is queued. Runs before routing hands the request to an endpoint.
/// </summary>
public sealed class BearerTokenMiddleware(RequestDelegate next, AgentOptions options)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
        if (AccessToken.Matches(options.Token, presented))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"toolchain-agent\"";
        // The connection may still be sending a body nobody will read: close it rather than drain an upload.
        context.Response.Headers.Connection = "close";
        var message = presented is null
            ? "missing bearer token: send 'Authorization: Bearer TOKEN' with the token from the agent's --token-file"
            : "wrong bearer token: use the token from the agent's --token-file";
        await context.Response.WriteAsJsonAsync(new ApiError(ApiError.Unauthorized, message), AgentJson.Options);
    }
}
