namespace Toolchain.Agent.Client;

/// <summary>A device agent could not do what was asked; the message names the agent and what to do.</summary>
public sealed class AgentException(AgentFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public AgentFailure Failure { get; } = failure;

    /// <summary>The user's to fix (address, token, versions, settings, model) as opposed to a bug in the tool: exit 3, not 1.</summary>
    public bool IsBadInput => Failure != AgentFailure.Internal;
}
