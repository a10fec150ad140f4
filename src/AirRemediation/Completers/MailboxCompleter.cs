using System.Collections;
using System.Management.Automation.Language;

namespace AirRemediation.Completers;

/// <summary>
/// Tab completion for mailbox addresses (-Mailbox of Invoke-AirSoftDelete, ...): addresses the newest actions of the
/// connected action store acted on, that start with what was typed. Offers nothing when not connected.
/// </summary>
public sealed class MailboxCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionText.Prefix(wordToComplete, out var quote);
        return CompletionText.Results(StoreCompletions.Mailboxes(prefix), quote);
    }
}
