using System.Security.Cryptography.X509Certificates;
using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.State;

/// <summary>Turns a scenario document into live state, failing loudly on anything inconsistent.</summary>
public static class ScenarioLoader
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static ScenarioDocument ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<ScenarioDocument>(stream, Json)
            ?? throw new InvalidDataException($"Scenario '{path}' is empty.");
    }

    public static TenantState Build(ScenarioDocument doc, string? baseDirectory, TimeProvider clock)
    {
        var t = doc.Tenant;
        if (!Guid.TryParse(t.Id, out _)) throw new InvalidDataException("tenant.id must be a GUID.");
        var license = t.License.ToUpperInvariant() switch
        {
            "EOP" => "EOP",
            "P1" => "P1",
            "P2" => "P2",
            _ => throw new InvalidDataException("tenant.license must be EOP, P1 or P2."),
        };
        var state = new TenantState
        {
            TenantId = t.Id.ToLowerInvariant(),
            TenantName = t.Name,
            DisplayName = t.DisplayName ?? t.Name,
            License = license,
            DeviceCodeUser = doc.DeviceCodeUser,
            ManagedIdentity = doc.ManagedIdentity,
        };

        state.Domains.AddRange(doc.Domains);
        if (!state.Domains.Any(d => string.Equals(d.Id, state.InitialDomain, StringComparison.OrdinalIgnoreCase)))
        {
            state.Domains.Insert(0, new DomainSpec { Id = state.InitialDomain, IsInitial = true, IsDefault = !doc.Domains.Any(d => d.IsDefault) });
        }

        foreach (var a in doc.Apps)
        {
            if (!Guid.TryParse(a.ClientId, out _)) throw new InvalidDataException($"App '{a.DisplayName}': clientId must be a GUID.");
            var app = new SimApp
            {
                ClientId = a.ClientId.ToLowerInvariant(),
                DisplayName = a.DisplayName,
                ObjectId = a.ObjectId ?? DerivedGuid("sp:" + a.ClientId),
                PublicClient = a.PublicClient,
                MailboxScope = a.MailboxScope is null ? null : new HashSet<string>(a.MailboxScope, StringComparer.OrdinalIgnoreCase),
            };
            app.Secrets.AddRange(a.Secrets);
            foreach (var c in a.Certificates) app.Certificates.Add(LoadCertificate(c, baseDirectory, a.DisplayName));
            foreach (var p in a.GraphPermissions) app.GraphRoles.Add(p);
            foreach (var p in a.ExchangePermissions) app.ExchangeRoles.Add(p);
            foreach (var r in a.DirectoryRoles) app.DirectoryRoleIds.Add(DirectoryRoles.ToTemplateId(r));
            if (!state.Apps.TryAdd(app.ClientId, app)) throw new InvalidDataException($"Duplicate app client id {a.ClientId}.");
        }

        foreach (var u in doc.Users)
        {
            var user = new SimUser
            {
                Id = (u.Id ?? DerivedGuid("user:" + u.UserPrincipalName)).ToLowerInvariant(),
                UserPrincipalName = u.UserPrincipalName,
                DisplayName = u.DisplayName ?? u.UserPrincipalName.Split('@')[0],
                Mail = u.Mail ?? u.UserPrincipalName,
                JobTitle = u.JobTitle,
                AccountEnabled = u.AccountEnabled,
                DelegatedScopes = new Dictionary<string, DelegatedGrantSpec>(u.DelegatedScopes, StringComparer.OrdinalIgnoreCase),
            };
            foreach (var r in u.DirectoryRoles) user.DirectoryRoleIds.Add(DirectoryRoles.ToTemplateId(r));
            state.AddUser(user);
        }

        foreach (var m in doc.Mailboxes) AddMailbox(state, m, clock);

        if (doc.ManagedIdentity is { } mi)
        {
            foreach (var id in mi.UserAssignedClientIds.Append(mi.SystemAssignedClientId).OfType<string>())
            {
                if (!state.Apps.ContainsKey(id)) throw new InvalidDataException($"managedIdentity refers to client id {id}, which is not in apps.");
            }
        }
        if (doc.DeviceCodeUser is { } dcu && state.FindUser(dcu) is null)
        {
            throw new InvalidDataException($"deviceCodeUser '{dcu}' is not in users.");
        }

        foreach (var alert in doc.Alerts) state.Alerts.Add(AlertNormalizer.Normalize((JsonObject)alert.DeepClone(), state.TenantId, clock));

        var n = 0;
        state.ExtraTraceRows.AddRange(doc.MessageTrace);
        foreach (var e in doc.TablEntries)
        {
            state.TablEntries.Add(new TablEntry
            {
                Identity = TablIdentity(++n),
                ListType = e.ListType,
                Value = e.Value,
                Action = e.Action,
                ExpirationDate = e.ExpirationDate,
                Notes = e.Notes,
                CreatedDateTime = clock.GetUtcNow(),
                LastModifiedDateTime = clock.GetUtcNow(),
            });
        }
        return state;
    }

    public static Mailbox AddMailbox(TenantState state, MailboxSpec spec, TimeProvider clock)
    {
        var owner = state.FindByAddress(spec.User) ?? throw new InvalidDataException($"Mailbox owner '{spec.User}' is not in users.");
        if (owner.Mailbox is not null) throw new InvalidDataException($"User '{spec.User}' has two mailboxes.");
        var mbx = new Mailbox
        {
            Index = state.Mailboxes.Count,
            Owner = owner,
            RestEnabled = spec.RestEnabled,
            FullAccess = new HashSet<string>(spec.FullAccess, StringComparer.OrdinalIgnoreCase),
            ForwardingSmtpAddress = spec.ForwardingSmtpAddress,
            ForwardingAddress = spec.ForwardingAddress,
            DeliverToMailboxAndForward = spec.DeliverToMailboxAndForward,
        };
        mbx.CustomFolders.AddRange(spec.Folders);
        foreach (var m in spec.Messages)
        {
            var folder = mbx.ResolveFolder(m.Folder, allowDisplayName: true);
            if (folder < 0) throw new InvalidDataException($"Message '{m.Subject}' in {spec.User}: unknown folder '{m.Folder}'.");
            mbx.Messages.Add(new SimMessage
            {
                Seq = mbx.Messages.Count,
                FolderIndex = folder,
                InternetMessageId = m.InternetMessageId,
                NetworkMessageId = m.NetworkMessageId,
                Subject = m.Subject,
                FromAddress = m.From,
                FromName = m.FromName,
                ReceivedTicks = m.ReceivedDateTime.UtcTicks,
                LastModifiedTicks = m.ReceivedDateTime.UtcTicks,
                HasAttachments = m.HasAttachments,
                ItemClass = string.IsNullOrWhiteSpace(m.ItemClass) ? "IPM.Note" : m.ItemClass,
                IsRead = m.IsRead,
                BodyPreview = m.BodyPreview,
                Urls = m.Urls.Count == 0 ? null : [.. m.Urls],
            });
        }
        foreach (var rule in spec.Rules)
        {
            var r = (JsonObject)rule.DeepClone();
            RuleNormalizer.Normalize(mbx, r);
            mbx.Rules.Add(r);
        }
        owner.Mailbox = mbx;
        state.Mailboxes.Add(mbx);
        return mbx;
    }

    public static string TablIdentity(int n)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("tabl:" + n));
        return "RgAAAAAI8gSy" + Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', '-').Replace('+', '_') + n.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A stable GUID from a name, so scenarios without ids give the same ids every run.</summary>
    public static string DerivedGuid(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[7] = (byte)((hash[7] & 0x0F) | 0x40);
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    static X509Certificate2 LoadCertificate(CertificateSpec c, string? baseDirectory, string appName)
    {
        X509Certificate2 cert;
        if (c.PfxPath is { } pfx)
        {
            var path = Path.IsPathRooted(pfx) || baseDirectory is null ? pfx : Path.Combine(baseDirectory, pfx);
            using var full = X509CertificateLoader.LoadPkcs12FromFile(path, c.PfxPassword);
            // Only the public part is needed to verify assertions; don't keep the private key around.
            cert = X509CertificateLoader.LoadCertificate(full.RawData);
        }
        else if (c.PublicCertificate is { } b64)
        {
            cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(b64));
        }
        else
        {
            throw new InvalidDataException($"App '{appName}': a certificate needs publicCertificate or pfxPath.");
        }
        if (c.Thumbprint is { } tp && !string.Equals(tp, cert.Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"App '{appName}': thumbprint {tp} does not match the certificate ({cert.Thumbprint}).");
        }
        return cert;
    }
}
