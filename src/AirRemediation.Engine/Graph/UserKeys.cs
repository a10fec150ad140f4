using System.Collections.Concurrent;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions;

namespace AirRemediation.Engine.Graph;

/// <summary>
/// The key Graph takes for a mailbox in <c>/users/{key}</c>: the user's object id. Evidence, typed input and mail flow
/// give SMTP addresses, and a primary SMTP address that differs from the UPN is not a key (Graph answers ErrorInvalidUser),
/// so each address is resolved once (<c>/users?$filter=mail eq '…'</c>, else as a UPN) and remembered for the run.
/// Users listed for -AllMailboxes are remembered as they are read, at no extra request.
/// </summary>
internal sealed class UserKeys(GraphServiceClient client)
{
    private readonly ConcurrentDictionary<string, string> known = new(StringComparer.OrdinalIgnoreCase);
    private int directoryRefused;

    /// <summary>Remembers a listed user under its address and its UPN.</summary>
    public void Know(MailboxUser user)
    {
        if (user.Mail is { Length: > 0 } mail) known.TryAdd(mail, user.Id);
        if (user.UserPrincipalName is { Length: > 0 } upn) known.TryAdd(upn, user.Id);
    }

    /// <summary>Addresses per directory lookup: Graph allows 15 expressions in a filter that uses <c>in</c>.</summary>
    public const int AddressesPerLookup = 15;

    /// <summary>
    /// Resolves many addresses before they are needed, <see cref="AddressesPerLookup"/> to a request
    /// (<c>/users?$filter=mail in (…)</c>), a few requests at once, each through <paramref name="caller"/>'s retries and rate:
    /// a 300-mailbox cluster costs 20 directory requests instead of 300. Addresses no user has as its primary address are
    /// left to <see cref="KeyOfAsync"/> (which also tries them as UPNs and names the one that is nobody's).
    /// </summary>
    public async Task PrefetchAsync(IEnumerable<string> mailboxes, ServiceCaller caller, CancellationToken ct)
    {
        var todo = mailboxes.Where(m => !Guid.TryParse(m, out _) && !known.ContainsKey(m)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (todo.Count == 0 || Volatile.Read(ref directoryRefused) != 0) return;
        await Parallel.ForEachAsync(todo.Chunk(AddressesPerLookup), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (chunk, t) =>
        {
            try
            {
                var page = await caller.CallAsync(null, async c => await client.Users.GetAsync(r =>
                {
                    r.QueryParameters.Filter = OData.In("mail", chunk);
                    r.QueryParameters.Select = ["id", "mail", "userPrincipalName"];
                    r.QueryParameters.Top = 999;
                }, c).ConfigureAwait(false) ?? new UserCollectionResponse(), t).ConfigureAwait(false);
                // An address two users claim is left to KeyOfAsync, which refuses to guess.
                foreach (var g in (page.Value ?? []).Where(u => u.Id is not null && u.Mail is not null).GroupBy(u => u.Mail!, StringComparer.OrdinalIgnoreCase))
                    if (g.Count() == 1) known.TryAdd(g.Key, g.First().Id!);
            }
            catch (ServiceCallException e) when (e.Kind == FailureKind.Forbidden)
            {
                if (Interlocked.Exchange(ref directoryRefused, 1) == 0)
                    AirLog.Current.Warning(DirectoryRefusedWarning);
            }
            catch (ServiceCallException e)
            {
                // Only an optimisation: each address is then looked up on its own, and a failure there is its mailbox's.
                AirLog.Current.Verbose($"Resolving {chunk.Length} addresses at once failed ({e.Code ?? e.Kind.ToString()}); each is looked up on its own.");
            }
        }).ConfigureAwait(false);
    }

    private const string DirectoryRefusedWarning = "Mailbox addresses cannot be resolved to users (the sign-in lacks User.ReadBasic.All or User.Read.All); each is used as its user key, which fails where a primary SMTP address differs from the UPN.";

    /// <summary>The object id for <paramref name="mailbox"/> (an address, a UPN or already an id). Not found: a NotFound <see cref="ServiceCallException"/>.</summary>
    public async Task<string> KeyOfAsync(string mailbox, CancellationToken ct)
    {
        if (Guid.TryParse(mailbox, out _)) return mailbox;
        if (known.TryGetValue(mailbox, out var cached)) return cached;
        if (Volatile.Read(ref directoryRefused) != 0) return mailbox;
        string? id;
        try
        {
            var byMail = await client.Users.GetAsync(r =>
            {
                r.QueryParameters.Filter = $"mail eq {OData.Quote(mailbox)}";
                r.QueryParameters.Select = ["id", "mail", "userPrincipalName"];
                r.QueryParameters.Top = 2;
            }, ct).ConfigureAwait(false);
            id = byMail?.Value is [{ Id: { } one }] ? one : null;
            if (id is null && byMail?.Value is not { Count: > 1 })
            {
                // Not anyone's primary address: it may be a UPN (or an alias, which Graph does not resolve either).
                var byUpn = await client.Users[mailbox].GetAsync(r => r.QueryParameters.Select = ["id"], ct).ConfigureAwait(false);
                id = byUpn?.Id;
            }
        }
        catch (ApiException e) when (e.ResponseStatusCode == 404)
        {
            id = null;
        }
        catch (ApiException e) when (e.ResponseStatusCode == 403)
        {
            // Without a directory read permission the address is used as given: right whenever it is the UPN.
            if (Interlocked.Exchange(ref directoryRefused, 1) == 0)
                AirLog.Current.Warning(DirectoryRefusedWarning);
            return mailbox;
        }
        if (id is null)
            throw new ServiceCallException(FailureKind.NotFound, 404, "ErrorInvalidUser", $"No user in this tenant has the address '{DisplayText.Safe(mailbox)}'.");
        known.TryAdd(mailbox, id);
        return id;
    }
}
