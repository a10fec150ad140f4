using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace AirRemediation.Tests;

/// <summary>
/// The cmdlet assembly loads in PowerShell's default context next to other modules' Graph/Azure/MSAL versions, so it
/// must not reference any of them; only the Engine (loaded privately) may.
/// </summary>
public class AssemblyIsolationTests
{
    private static readonly string[] ForbiddenPrefixes =
        ["Microsoft.Graph", "Microsoft.Kiota", "Azure.", "Microsoft.Identity", "Microsoft.IdentityModel", "Microsoft.Data.Sqlite", "SQLitePCL", "System.ClientModel"];

    private static List<string> References(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }

    [Fact]
    public void CmdletAssemblyReferencesNoGraphKiotaAzureOrMsalAssembly()
    {
        var refs = References(PublishedModule.CmdletAssembly);
        var bad = refs.Where(r => ForbiddenPrefixes.Any(p => r.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(bad.Count == 0, "The cmdlet assembly references: " + string.Join(", ", bad));
        Assert.Contains("AirRemediation.Engine", refs);
    }

    [Fact]
    public void TheCheckWouldCatchAnOffendingReference()
    {
        // The same reader over the Engine must find the packages it really uses, or the test above proves nothing.
        var engine = Path.Combine(PublishedModule.Directory, "Dependencies", "AirRemediation.Engine.dll");
        var refs = References(engine);
        Assert.Contains(refs, r => r.StartsWith("Azure.", StringComparison.Ordinal));
    }

    [Fact]
    public void ModuleFolderCarriesNoDependencyNextToTheCmdletAssembly()
    {
        var dlls = System.IO.Directory.GetFiles(PublishedModule.Directory, "*.dll").Select(Path.GetFileName).ToList();
        Assert.Equal(["AirRemediation.dll"], dlls);
        Assert.True(File.Exists(Path.Combine(PublishedModule.Directory, "Dependencies", "Microsoft.Graph.dll")));
    }

    [Fact]
    public void EngineDoesNotReferencePowerShell()
    {
        var engine = Path.Combine(PublishedModule.Directory, "Dependencies", "AirRemediation.Engine.dll");
        Assert.DoesNotContain("System.Management.Automation", References(engine));
    }

    [Fact]
    public void PublicCmdletTypesExposeOnlyBclPowerShellOrModuleTypes()
    {
        // Parameters and outputs are what other code binds to; an Engine or package type there would leak the
        // private load context into the session.
        using var stream = File.OpenRead(PublishedModule.CmdletAssembly);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var offenders = new List<string>();
        foreach (var th in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(th);
            if ((type.Attributes & System.Reflection.TypeAttributes.VisibilityMask) != System.Reflection.TypeAttributes.Public) continue;
            foreach (var ph in type.GetProperties())
            {
                var prop = md.GetPropertyDefinition(ph);
                var sig = prop.DecodeSignature(new TypeNameProvider(md), null);
                if (sig.ReturnType.StartsWith("AirRemediation.Engine", StringComparison.Ordinal)
                    || ForbiddenPrefixes.Any(p => sig.ReturnType.StartsWith(p, StringComparison.Ordinal)))
                    offenders.Add($"{md.GetString(type.Name)}.{md.GetString(prop.Name)}: {sig.ReturnType}");
            }
            if (!type.BaseType.IsNil)
            {
                var baseName = new TypeNameProvider(md).Name(type.BaseType);
                if (baseName.StartsWith("AirRemediation.Engine", StringComparison.Ordinal)) offenders.Add($"{md.GetString(type.Name)} : {baseName}");
            }
            foreach (var ih in type.GetInterfaceImplementations())
            {
                var iface = new TypeNameProvider(md).Name(md.GetInterfaceImplementation(ih).Interface);
                if (iface.StartsWith("AirRemediation.Engine", StringComparison.Ordinal)) offenders.Add($"{md.GetString(type.Name)} implements {iface}");
            }
        }
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }

    private sealed class TypeNameProvider(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Name(EntityHandle h) => h.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(md, (TypeDefinitionHandle)h, 0),
            HandleKind.TypeReference => GetTypeFromReference(md, (TypeReferenceHandle)h, 0),
            HandleKind.TypeSpecification => GetTypeFromSpecification(md, null, (TypeSpecificationHandle)h, 0),
            _ => "?",
        };

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string genericType, System.Collections.Immutable.ImmutableArray<string> typeArguments) =>
            typeArguments.FirstOrDefault(a => a.StartsWith("AirRemediation.Engine", StringComparison.Ordinal)) ?? genericType;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetSZArrayType(string elementType) => elementType;
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeDefinition(handle);
            return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
        }
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeReference(handle);
            return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
        }
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
