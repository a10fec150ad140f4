using System.Buffers.Binary;

namespace AirRemediation.Simulator.State;

/// <summary>
/// Opaque Exchange-looking ids. REST ids carry the move version, so they change on every move (as Exchange's do);
/// immutable ids do not. Both are case-sensitive base64 with Outlook's URL-safe substitutions.
/// </summary>
public static class ItemIds
{
    const string RestPrefix = "AAMkAG";
    const string ImmutablePrefix = "AAkALg";
    const string FolderPrefix = "AQMkAD";

    public static string RestId(int mailbox, int seq, int version) => Encode(RestPrefix, ItemIdKind.RestMessage, mailbox, seq, version);
    public static string ImmutableId(int mailbox, int seq) => Encode(ImmutablePrefix, ItemIdKind.ImmutableMessage, mailbox, seq, 0);
    public static string FolderId(int mailbox, int folder) => Encode(FolderPrefix, ItemIdKind.Folder, mailbox, folder, 0);

    static string Encode(string prefix, ItemIdKind kind, int a, int b, int c)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes[0] = (byte)kind;
        bytes[1] = 0x5A; bytes[2] = 0xC3;
        BinaryPrimitives.WriteInt32BigEndian(bytes[3..], a);
        BinaryPrimitives.WriteInt32BigEndian(bytes[7..], b);
        BinaryPrimitives.WriteInt32BigEndian(bytes[11..], c);
        bytes[15] = (byte)(bytes[3] ^ bytes[7] ^ bytes[11] ^ bytes[6] ^ bytes[10] ^ bytes[14] ^ 0x42);
        return prefix + Convert.ToBase64String(bytes).Replace('/', '-').Replace('+', '_');
    }

    public static bool TryDecode(string id, out ItemIdKind kind, out int a, out int b, out int c)
    {
        kind = 0; a = b = c = 0;
        if (id.Length != 6 + 24) return false;
        var prefix = id[..6];
        if (prefix is not (RestPrefix or ImmutablePrefix or FolderPrefix)) return false;
        Span<byte> bytes = stackalloc byte[18];
        if (!Convert.TryFromBase64String(id[6..].Replace('-', '/').Replace('_', '+'), bytes, out var n) || n != 16) return false;
        if (bytes[1] != 0x5A || bytes[2] != 0xC3) return false;
        if (bytes[15] != (byte)(bytes[3] ^ bytes[7] ^ bytes[11] ^ bytes[6] ^ bytes[10] ^ bytes[14] ^ 0x42)) return false;
        kind = (ItemIdKind)bytes[0];
        var expectedPrefix = kind switch { ItemIdKind.RestMessage => RestPrefix, ItemIdKind.ImmutableMessage => ImmutablePrefix, ItemIdKind.Folder => FolderPrefix, _ => null };
        if (expectedPrefix != prefix) return false;
        a = BinaryPrimitives.ReadInt32BigEndian(bytes[3..]);
        b = BinaryPrimitives.ReadInt32BigEndian(bytes[7..]);
        c = BinaryPrimitives.ReadInt32BigEndian(bytes[11..]);
        return true;
    }
}
