using System.Collections;
using System.Management.Automation.Language;

namespace AirRemediation.Completers;

/// <summary>
/// Tab completion for -Url of Unblock-AirUrl: the URL entries now on the Tenant Allow/Block List (read from Exchange,
/// within the completion time budget), that start with what was typed. Offers nothing when not connected.
/// </summary>
public sealed class UrlEntryCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionText.Prefix(wordToComplete, out var quote);
        return CompletionText.Results(StoreCompletions.UrlEntries(prefix), quote);
    }
}
