using System.Collections;
using System.Management.Automation.Language;

namespace AirRemediation.Completers;

/// <summary>
/// Tab completion for action ids (-Id of Resume-AirAction, Undo-AirAction, ...): the newest 50 actions of the
/// connected action store that start with what was typed, newest first; the tooltip shows kind, state and summary.
/// Offers nothing when not connected.
/// </summary>
public sealed class ActionIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionText.Prefix(wordToComplete, out var quote);
        return CompletionText.Results(StoreCompletions.ActionIds(prefix), quote);
    }
}
