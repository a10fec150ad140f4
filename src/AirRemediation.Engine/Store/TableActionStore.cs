using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The action store in Azure Table Storage, so a runbook and analysts on their workstations share one queue: the store
/// front over <see cref="TableBackend"/>.
/// Two tables: <c>&lt;prefix&gt;queue</c> holds actions, the audit chain, its head, settings and the evidence index in one
/// partition, so a transition, its audit entry and the chain head change in one entity-group transaction with If-Match on
/// the action and the head (of racing writers on any machine exactly one wins; the loser re-reads and re-evaluates);
/// <c>&lt;prefix&gt;items</c> holds each action's item journal in a partition of its own. See docs/STORE.md.
/// </summary>
public sealed partial class TableActionStore : ActionStore
{
    private TableActionStore(TableBackend backend, TimeProvider clock) : base(backend, clock)
    {
    }

    internal TableClient QueueTable => ((TableBackend)Backend).Queue;

    internal TableClient ItemsTable => ((TableBackend)Backend).Items;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,50}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    /// <summary>
    /// Opens (and on first use creates) the store's tables. <see cref="TableStoreOptions.ConnectionString"/> (or an
    /// <see cref="TableStoreOptions.Endpoint"/> carrying a SAS) needs no credential. Throws AirException(StoreUnavailable)
    /// naming the endpoint when the service cannot be reached or refuses the identity, InvalidInput for bad options.
    /// </summary>
    public static Task<TableActionStore> OpenAsync(TableStoreOptions options, TimeProvider? clock = null, CancellationToken cancellationToken = default) =>
        OpenAsync(options, null, clock, cancellationToken);

    /// <summary>
    /// Opens the store at <see cref="TableStoreOptions.Endpoint"/> with a token credential (the session's sign-in). With
    /// <paramref name="transport"/> (the session's one socket handler) storage is reached like every other service of the
    /// session: same connection pool, same tracing, and the same certificate rule (chain validation, except a loopback
    /// emulator's self-signed certificate).
    /// </summary>
    internal static async Task<TableActionStore> OpenAsync(TableStoreOptions options, TokenCredential? credential, TimeProvider? clock,
        CancellationToken cancellationToken, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        clock ??= TimeProvider.System;
        if (!PrefixPattern().IsMatch(options.TablePrefix ?? ""))
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The table prefix '{options.TablePrefix}' is not valid: use letters and digits only, starting with a letter (at most 51 characters).");
        }
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.MaxRetries = Math.Max(0, options.MaxRetries);
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        if (transport is not null) clientOptions.Transport = new HttpClientTransport(new HttpClient(transport, disposeHandler: false));

        var service = CreateService(options, credential, clientOptions);
        var backend = new TableBackend(Redact(service.Uri), service.GetTableClient(options.TablePrefix + "queue"),
            service.GetTableClient(options.TablePrefix + "items"));
        await backend.InitializeAsync(cancellationToken).ConfigureAwait(false);
        return new TableActionStore(backend, clock);
    }

    /// <summary>The endpoint a store opened with <paramref name="options"/> would name (no key or SAS), without contacting it.
    /// Throws AirException(InvalidInput) for a malformed connection string.</summary>
    public static string DescribeLocation(TableStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Endpoint is { } e && string.IsNullOrEmpty(e.Query) && string.IsNullOrWhiteSpace(options.ConnectionString)
            ? Redact(e)
            : Redact(CreateService(options, null, new TableClientOptions()).Uri);
    }

    private static TableServiceClient CreateService(TableStoreOptions options, TokenCredential? credential, TableClientOptions clientOptions)
    {
        bool hasCs = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasCs == (options.Endpoint is not null))
        {
            throw new AirException(AirErrorKind.InvalidInput, "Give the Azure Table action store either an endpoint or a connection string, not both and not neither.");
        }
        try
        {
            if (hasCs)
            {
                string cs = options.ConnectionString!.Trim();
                return cs.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || cs.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                    ? new TableServiceClient(new Uri(cs), clientOptions)
                    : new TableServiceClient(cs, clientOptions);
            }
            if (!string.IsNullOrEmpty(options.Endpoint!.Query))
            {
                return new TableServiceClient(options.Endpoint, clientOptions); // a SAS URL
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // Never echo the string: it carries the account key or SAS.
            throw new AirException(AirErrorKind.InvalidInput,
                "The action store connection string is not valid. Give an Azure Storage connection string (with TableEndpoint or AccountName and AccountKey, or SharedAccessSignature) or a table service SAS URL.");
        }
        if (credential is null)
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The action store endpoint {Redact(options.Endpoint!)} needs a signed-in session (Connect-AirService -ActionStoreTableEndpoint) or a connection string.");
        }
        if (options.Endpoint!.Scheme != Uri.UriSchemeHttps)
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The action store endpoint {Redact(options.Endpoint)} must be https: storage accepts a signed-in identity's token only over TLS (Azurite too: run it with --oauth basic and a certificate), or use -ActionStoreConnectionString.",
                Redact(options.Endpoint));
        }
        return new TableServiceClient(options.Endpoint, credential, clientOptions);
    }

    private static string Redact(Uri uri) => new UriBuilder(uri) { Query = "", UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
