namespace AirRemediation.Engine.Exchange;

/// <summary>What one Exchange cmdlet returned over InvokeCommand: its output objects (all pages) and its warnings.</summary>
internal sealed record ExchangeResult(IReadOnlyList<JsonObject> Values, IReadOnlyList<string> Warnings);
