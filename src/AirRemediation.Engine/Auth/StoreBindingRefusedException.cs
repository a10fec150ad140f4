namespace AirRemediation.Engine.Auth;

/// <summary>
/// The store belongs to another tenant (or was bound through another kind of verifier) than the session. Its own type
/// so that connect can tell this refusal, which must stop the sign-in, from a store that merely cannot be opened right
/// now (locked, damaged, unreachable), which is reported again when the store is first used.
/// </summary>
internal sealed class StoreBindingRefusedException(string message, string store) : AirException(AirErrorKind.AccessDenied, message, store);
