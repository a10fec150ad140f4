namespace AirRemediation.Simulator.Graph;

/// <summary>
/// The $filter subset the simulator serves: comparisons (eq ne gt ge lt le) of a property path with a literal, and
/// <c>in</c> with a list of strings (accepted only by evaluators that allow it), joined by and/or, with parentheses. String literals are single-quoted with '' for a quote; datetimes unquoted.
/// Functions, lambdas, not, arithmetic and anything else are refused with Graph's error codes.
/// </summary>
public sealed class ODataFilterParser
{
    static readonly HashSet<string> Comparisons = ["eq", "ne", "gt", "ge", "lt", "le"];
    static readonly HashSet<string> Unsupported = ["has", "in", "add", "sub", "mul", "div", "mod", "not"];

    readonly string text;
    readonly List<(string Kind, string Value, int Pos)> tokens = [];
    int index;

    ODataFilterParser(string text)
    {
        this.text = text;
        Tokenize();
    }

    public static FilterNode Parse(string text)
    {
        var p = new ODataFilterParser(text);
        if (p.tokens.Count == 0) throw p.Syntax(0);
        var node = p.ParseOr();
        if (p.index < p.tokens.Count) throw p.Syntax(p.tokens[p.index].Pos);
        return node;
    }

    FilterSyntaxException Syntax(int pos) =>
        new("BadRequest", $"Invalid filter clause: Syntax error at position {pos} in '{text}'.");

    void Tokenize()
    {
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '(' or ')' or ',')
            {
                tokens.Add((c.ToString(), c.ToString(), i));
                i++;
                continue;
            }
            if (c == '\'')
            {
                var start = i;
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new FilterSyntaxException("BadRequest", $"Invalid filter clause: There is an unterminated string literal at position {start} in '{text}'.");
                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            sb.Append('\'');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sb.Append(text[i++]);
                }
                tokens.Add(("string", sb.ToString(), start));
                continue;
            }
            var s = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ',' or '\'')) i++;
            if (i == s) throw Syntax(i);
            tokens.Add(("word", text[s..i], s));
        }
    }

    (string Kind, string Value, int Pos)? Peek => index < tokens.Count ? tokens[index] : null;

    bool PeekWord(string w) => Peek is { Kind: "word" } t && string.Equals(t.Value, w, StringComparison.Ordinal);

    FilterNode ParseOr()
    {
        var left = ParseAnd();
        while (PeekWord("or"))
        {
            index++;
            left = new FilterOr(left, ParseAnd());
        }
        return left;
    }

    FilterNode ParseAnd()
    {
        var left = ParsePrimary();
        while (PeekWord("and"))
        {
            index++;
            left = new FilterAnd(left, ParsePrimary());
        }
        return left;
    }

    FilterNode ParsePrimary()
    {
        var t = Peek ?? throw Syntax(text.Length);
        if (t.Kind == "(")
        {
            index++;
            var inner = ParseOr();
            if (Peek is not { Kind: ")" }) throw Syntax(Peek?.Pos ?? text.Length);
            index++;
            return inner;
        }
        if (t.Kind != "word") throw Syntax(t.Pos);
        if (Unsupported.Contains(t.Value) || (index + 1 < tokens.Count && tokens[index + 1].Kind == "("))
        {
            // not(...), contains(...), startswith(...), any/all lambdas: outside the served subset.
            throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
        }
        var property = t.Value;
        index++;
        var op = Peek ?? throw Syntax(text.Length);
        if (op.Kind != "word") throw Syntax(op.Pos);
        if (op.Value == "in")
        {
            index++;
            return ParseInList(property);
        }
        if (Unsupported.Contains(op.Value)) throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
        if (!Comparisons.Contains(op.Value)) throw Syntax(op.Pos);
        index++;
        var lit = Peek ?? throw Syntax(text.Length);
        index++;
        if (lit.Kind == "string") return new FilterCompare(property, op.Value, lit.Value, FilterLiteralKind.String);
        if (lit.Kind != "word") throw Syntax(lit.Pos);
        return lit.Value switch
        {
            "true" => new FilterCompare(property, op.Value, true, FilterLiteralKind.Boolean),
            "false" => new FilterCompare(property, op.Value, false, FilterLiteralKind.Boolean),
            "null" => new FilterCompare(property, op.Value, null, FilterLiteralKind.Null),
            _ when long.TryParse(lit.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => new FilterCompare(property, op.Value, n, FilterLiteralKind.Number),
            _ when lit.Value.Length >= 10 && char.IsDigit(lit.Value[0]) && DateTimeOffset.TryParse(lit.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
                => new FilterCompare(property, op.Value, d, FilterLiteralKind.DateTime),
            _ => throw Syntax(lit.Pos),
        };
    }

    /// <summary><c>('a', 'b', …)</c> after <c>property in</c>: string literals only, at least one.</summary>
    FilterIn ParseInList(string property)
    {
        if (Peek is not { Kind: "(" }) throw Syntax(Peek?.Pos ?? text.Length);
        index++;
        var values = new List<string>();
        while (true)
        {
            var v = Peek ?? throw Syntax(text.Length);
            if (v.Kind != "string") throw Syntax(v.Pos);
            values.Add(v.Value);
            index++;
            var sep = Peek ?? throw Syntax(text.Length);
            index++;
            if (sep.Kind == ")") return new FilterIn(property, values);
            if (sep.Kind != ",") throw Syntax(sep.Pos);
        }
    }

    /// <summary>Properties in order of first appearance (for Outlook's $orderby-must-lead-$filter rule).</summary>
    public static List<string> PropertiesInOrder(FilterNode node)
    {
        var list = new List<string>();
        void Walk(FilterNode n)
        {
            switch (n)
            {
                case FilterAnd a: Walk(a.Left); Walk(a.Right); break;
                case FilterOr o: Walk(o.Left); Walk(o.Right); break;
                case FilterCompare c:
                    if (!list.Contains(c.Property, StringComparer.OrdinalIgnoreCase)) list.Add(c.Property);
                    break;
                case FilterIn i:
                    if (!list.Contains(i.Property, StringComparer.OrdinalIgnoreCase)) list.Add(i.Property);
                    break;
            }
        }
        Walk(node);
        return list;
    }
}
