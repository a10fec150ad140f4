namespace AirRemediation.Engine.Exchange;

/// <summary>
/// What one Exchange cmdlet returned over InvokeCommand: its output objects (all pages), its warnings, and any output
/// that came as strings instead of objects (-OutputJson answers all its entries as one JSON string).
/// </summary>
internal sealed record ExchangeResult(IReadOnlyList<JsonObject> Values, IReadOnlyList<string> Warnings, IReadOnlyList<string>? Texts = null);
