using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace AirRemediation.Completers;

/// <summary>
/// Tab completion for URL block entries (-Url of Unblock-AirUrl): entries that recent BlockUrl actions of the connected
/// action store blocked and no later UnblockUrl action removed. Offers nothing when not connected.
/// </summary>
public sealed class UrlEntryCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionText.Prefix(wordToComplete, out var quote);
        return CompletionText.Results(StoreCompletions.BlockedUrls(prefix), quote);
    }
}
